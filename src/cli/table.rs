//! The `runs` table: columns sized by their content and fitted to the terminal (80 columns
//! when standard output is not one), or every column whole with `--wide`. When the table must
//! give up room it does so in the order least missed (`fit`): the type when every row shares
//! it, some of the workspace / environment, the recorded outcome (a completed run's verdict
//! cell repeats it), then the verdict's tail; the id, status, verdict, flags and age stay.

use std::io::{self, Write};

use chrono::{DateTime, Utc};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::present::{age, symbol};
use crate::sanitize::clean;
use crate::service::RunView;

/// Column order and headers.
const HEADERS: [&str; 8] = ["ID", "TYPE", "WORKSPACE / ENVIRONMENT", "STATUS", "OUTCOME", "VERDICT", "FLAGS", "AGE"];
const ID: usize = 0;
const TYPE: usize = 1;
const SCOPE: usize = 2;
const OUTCOME: usize = 4;
const VERDICT: usize = 5;
const AGE: usize = 7;
/// Space between columns.
const GAP: usize = 2;

/// How wide the table may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    /// Fit this many terminal cells.
    Fit(usize),
    /// Every column at its content's width.
    Wide,
}

fn verdict_cell(r: &RunView, now: DateTime<Utc>) -> String {
    r.verdict_summary(now, " · ").unwrap_or_else(|| "⚠ unreadable".to_owned())
}

fn flags(r: &RunView) -> String {
    let mut f = Vec::new();
    if let Ok(v) = &r.verdict {
        if v.stale {
            f.push("stale");
        }
        if v.drift {
            f.push("DRIFT");
        }
    }
    f.join(",")
}

/// `text`, sanitized, in a column `width` terminal cells wide: cut by display width (ending
/// in `…`) and padded by display width, so CJK, emoji and combining characters keep the
/// columns aligned. `right` aligns to the right.
pub fn cell(text: &str, width: usize, right: bool) -> String {
    let text = clean(text);
    let mut out = String::with_capacity(text.len().min(width * 4) + width);
    if text.width() <= width {
        out.push_str(&text);
    } else {
        let room = width.saturating_sub(1);
        let mut used = 0;
        for c in text.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > room {
                break;
            }
            out.push(c);
            used += w;
        }
        while out.width() > room && out.pop().is_some() {}
        out.push('…');
    }
    let pad = " ".repeat(width.saturating_sub(out.width()));
    if right {
        pad + &out
    } else {
        out + &pad
    }
}

/// One way the table gives up room.
#[derive(Clone, Copy)]
enum Give {
    /// Shrink a column down to at most this width (never below its content's own width).
    Shrink(usize, usize),
    /// Leave a column out.
    Drop(usize),
}

/// The widths of the shown columns (`None`: left out) for content of `natural` widths: room
/// is given up step by step, each step only as far as needed, in the order least missed.
fn fit(natural: [usize; 8], uniform_type: bool, width: Width) -> [Option<usize>; 8] {
    use Give::{Drop, Shrink};
    let mut w = natural.map(Some);
    let Width::Fit(target) = width else { return w };
    let total = |w: &[Option<usize>; 8]| {
        let shown: Vec<usize> = w.iter().flatten().copied().collect();
        shown.iter().sum::<usize>() + GAP * shown.len().saturating_sub(1)
    };
    let type_steps: &[Give] = if uniform_type { &[Drop(TYPE)] } else { &[Shrink(TYPE, 16)] };
    let steps = type_steps.iter().chain(&[
        Shrink(SCOPE, 20),
        // `pending` says little, and a completed run's verdict cell repeats its outcome.
        Drop(OUTCOME),
        Shrink(SCOPE, 16),
        Shrink(VERDICT, 30),
        Shrink(TYPE, 10),
        Drop(TYPE),
        Shrink(SCOPE, 10),
        Shrink(VERDICT, 20),
        Drop(SCOPE),
        Shrink(VERDICT, 10),
    ]);
    for step in steps {
        let over = total(&w).saturating_sub(target);
        if over == 0 {
            break;
        }
        match *step {
            Shrink(c, min) => {
                if let Some(v) = w[c].as_mut() {
                    *v = v.saturating_sub(over).max(min.min(natural[c]));
                }
            }
            Drop(c) => w[c] = None,
        }
    }
    // Room a dropped column left goes back to the verdict.
    let spare = target.saturating_sub(total(&w));
    if let Some(v) = w[VERDICT].as_mut() {
        *v = (*v + spare).min(natural[VERDICT]);
    }
    w
}

/// The `runs` table, columns measured in terminal cells (display width), not characters.
pub fn runs_table(out: &mut impl Write, rows: &[RunView], now: DateTime<Utc>, width: Width) -> io::Result<()> {
    if rows.is_empty() {
        return writeln!(out, "no runs match");
    }
    let texts: Vec<[String; 8]> = rows
        .iter()
        .map(|r| {
            [
                r.id.to_string(),
                r.op_type.clone(),
                format!("{} / {}", r.workspace, r.environment),
                r.status.clone(),
                format!("{} {}", symbol(&r.outcome), r.outcome),
                verdict_cell(r, now),
                flags(r),
                age(now, r.created_at),
            ]
            .map(|t| clean(&t).into_owned())
        })
        .collect();
    let mut natural = HEADERS.map(UnicodeWidthStr::width);
    for t in &texts {
        for (n, text) in natural.iter_mut().zip(t) {
            *n = (*n).max(text.width());
        }
    }
    let uniform_type = rows.iter().all(|r| r.op_type == rows[0].op_type);
    let shown = fit(natural, uniform_type, width);
    let line = |out: &mut dyn Write, cells: [&str; 8]| -> io::Result<()> {
        let mut text = String::with_capacity(160);
        for (i, value) in cells.iter().enumerate() {
            let Some(w) = shown[i] else { continue };
            if !text.is_empty() {
                text.push_str(&" ".repeat(GAP));
            }
            text.push_str(&cell(value, w, i == ID || i == AGE));
        }
        writeln!(out, "{}", text.trim_end())
    };
    line(out, HEADERS)?;
    for t in &texts {
        line(out, [&t[0], &t[1], &t[2], &t[3], &t[4], &t[5], &t[6], &t[7]].map(String::as_str))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn width(w: &[Option<usize>; 8]) -> usize {
        let shown: Vec<usize> = w.iter().flatten().copied().collect();
        shown.iter().sum::<usize>() + GAP * (shown.len() - 1)
    }

    #[test]
    fn wide_keeps_every_column_whole() {
        let natural = [4, 15, 30, 9, 21, 60, 11, 3];
        assert_eq!(fit(natural, true, Width::Wide), natural.map(Some));
    }

    #[test]
    fn a_table_that_fits_is_left_alone() {
        let natural = [4, 15, 20, 9, 11, 10, 5, 3];
        assert_eq!(fit(natural, false, Width::Fit(120)), natural.map(Some));
    }

    #[test]
    fn at_80_columns_the_shared_type_goes_first_and_the_wide_columns_shrink() {
        let natural = [4, 15, 30, 9, 21, 60, 11, 3];
        let w = fit(natural, true, Width::Fit(80));
        assert_eq!(w[TYPE], None);
        assert!(width(&w) <= 80, "{w:?}");
        for c in [ID, 3, VERDICT, 6, AGE] {
            assert!(w[c].is_some(), "column {c} stays: {w:?}");
        }
        assert_eq!((w[ID], w[3], w[6], w[AGE]), (Some(4), Some(9), Some(11), Some(3)), "fixed columns whole");
    }

    #[test]
    fn very_narrow_drops_outcome_before_flags_and_never_the_verdict() {
        let natural = [7, 15, 30, 9, 21, 60, 11, 3];
        let w = fit(natural, false, Width::Fit(60));
        assert!(width(&w) <= 60, "{w:?}");
        assert_eq!(w[OUTCOME], None);
        assert!(w[6].is_some() && w[VERDICT].is_some(), "{w:?}");
    }
}
