//! The first page of the default list sorted by each key the console and `runs --sort` offer,
//! beside the first page in the usual order (created, newest first), alternately in one run.
//! Status, outcome, type, update and id walk an index of their own (migration 0007); the
//! workspace and environment names are the joined tables' and are sorted per page, so their
//! figures are reported without a goal.

use std::time::Instant;

use color_eyre::eyre::Result;
use proofdesk::service::{RunFilter, SortKey};

use crate::pages::Ctx;
use crate::report::{Figure, Reference, Stat};
use crate::sampling::{err, ms, Sampling};
use crate::FIRST_PAGE;

/// One figure per sort key but the usual one, in both directions.
pub async fn sorted_pages(ctx: &Ctx<'_>, wants: impl Fn(&str) -> bool) -> Result<Vec<Figure>> {
    let mut figures = Vec::new();
    let usual = RunFilter::restore_execute();
    for key in SortKey::ALL.into_iter().filter(|k| *k != SortKey::Created) {
        for reverse in [false, true] {
            let fig_key = format!("sorted_page.{}{}", key.name(), if reverse { "_reversed" } else { "" });
            if !wants(&fig_key) {
                continue;
            }
            let mut filter = RunFilter::restore_execute();
            filter.query.sort = key;
            filter.query.ascending = key.is_text() != reverse;
            let (mut sorted, mut reference, mut rows) = (Vec::new(), Vec::new(), 0);
            let mut s = Sampling::new(ctx.samples);
            while let Some(timed) = s.next() {
                let t = Instant::now();
                let page = ctx.service.list(&filter, None, FIRST_PAGE).await.map_err(err("sorted page"))?;
                let d = t.elapsed();
                let t = Instant::now();
                ctx.service.list(&usual, None, FIRST_PAGE).await.map_err(err("page 1"))?;
                let f = t.elapsed();
                rows = page.rows.len();
                if timed {
                    sorted.push(ms(d));
                    reference.push(ms(f));
                }
            }
            let value = Stat::of(&sorted);
            let reference = Stat::of(&reference);
            let indexed = !matches!(key, SortKey::Workspace | SortKey::Environment);
            figures.push(Figure {
                key: fig_key,
                name: format!("first page sorted by {}{}", key.name(), if reverse { ", reversed" } else { "" }),
                unit: "ms",
                value,
                reference: Some(Reference::new("first page, newest first", reference)),
                goal: if indexed {
                    "median <= 2 x newest first".to_owned()
                } else {
                    "none (sorted per page)".to_owned()
                },
                pass: indexed.then_some(value.median <= 2.0 * reference.median),
                note: format!("{rows} rows; default filter (restore.execute)"),
            });
        }
    }
    Ok(figures)
}
