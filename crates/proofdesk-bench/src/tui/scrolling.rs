//! Frame time, navigation latency, bytes and write calls per frame, down the large list.

use color_eyre::eyre::Result;
use proofdesk::tui::Theme;
use ratatui::crossterm::event::KeyCode;

use super::screen::{key, stat_of, Drawn, Driven, Pressed};
use super::{SIZE, SMALL_WINDOW};
use crate::pages::Ctx;
use crate::report::{percentile, Figure, Reference, Stat};
use crate::sampling::{err, WARMUP};

/// Keys pressed per list for the frame and navigation figures, per requested sample.
const KEYS_PER_SAMPLE: usize = 25;

#[derive(Default)]
struct Keys {
    frames: Vec<f64>,
    latency: Vec<f64>,
    loads: usize,
}

impl Keys {
    fn push(&mut self, p: &Pressed) {
        self.frames.push(p.frame.ms);
        self.latency.push(p.key_ms);
        self.loads += usize::from(p.loaded);
    }
}

/// Frame time, navigation latency, bytes and write calls per frame.
pub async fn figures(ctx: &Ctx<'_>, theme: &Theme, runs: i64) -> Result<Vec<Figure>> {
    let service = ctx.service;
    let keys = (ctx.samples * KEYS_PER_SAMPLE).clamp(100, 800);
    let mut big = Driven::open(service, theme, None, true).await?;
    let mut small = Driven::open(service, theme, Some(SMALL_WINDOW), false).await?;
    let small_runs = service.count(&small.app.list.filter).await.map_err(err("count of the 1k list"))?;
    let (mut b, mut s) = (Keys::default(), Keys::default());
    let mut frames: Vec<Drawn> = Vec::new();
    let mut plain_frames: Vec<Drawn> = Vec::new();
    for i in 0..WARMUP + keys {
        // In turn, each list first every other key.
        let (pb, ps) = if i % 2 == 0 {
            let pb = big.press(service, theme, key(KeyCode::Char('j'))).await?;
            (pb, small.press(service, theme, key(KeyCode::Char('j'))).await?)
        } else {
            let ps = small.press(service, theme, key(KeyCode::Char('j'))).await?;
            (big.press(service, theme, key(KeyCode::Char('j'))).await?, ps)
        };
        if i >= WARMUP {
            b.push(&pb);
            s.push(&ps);
            frames.push(pb.frame);
            plain_frames.extend(pb.plain);
        }
    }
    let big_sel = big.app.list.sel + 1;
    let small_sel = small.app.list.sel + 1;

    // Bytes per kind of frame, at the end of the scroll on the large list.
    let (mut idle, mut select, mut page, mut full) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut keep = |d: &(Drawn, Option<Drawn>), into: &mut Vec<usize>| {
        into.push(d.0.bytes);
        frames.push(d.0);
        plain_frames.extend(d.1);
    };
    for _ in 0..ctx.samples.max(1) {
        let p = big.press(service, theme, key(KeyCode::PageDown)).await?;
        keep(&(p.frame, p.plain), &mut page);
        let d = big.draw(theme)?;
        keep(&d, &mut idle);
        for k in [KeyCode::Char('k'), KeyCode::Char('j')] {
            let p = big.press(service, theme, key(k)).await?;
            keep(&(p.frame, p.plain), &mut select);
        }
        big.invalidate();
        let d = big.draw(theme)?;
        keep(&d, &mut full);
    }

    let frame = Stat::of(&b.frames);
    let frame_ref = Stat::of(&s.frames);
    let nav = Stat::of(&b.latency);
    let nav_ref = Stat::of(&s.latency);
    let (nav_p99, nav_ref_p99) = (percentile(&b.latency, 0.99), percentile(&s.latency, 0.99));
    let small_name = format!("same on {small_runs} runs ({SMALL_WINDOW})");
    let lists = format!(
        "default view of the {runs}-run database (row {big_sel} reached) and, as the reference, the same view with \
         `{SMALL_WINDOW}` typed into the filter bar on the same database ({small_runs} runs, row {small_sel} reached); \
         {keys} `j` each, in turn, after {WARMUP} untimed; {}x{}",
        SIZE.0, SIZE.1
    );
    let full_stat = stat_of(full.iter().copied());
    let full_ref = || Some(Reference::new("full redraw (after a resize)", full_stat));
    let bytes_note = |what: &str| {
        format!(
            "{what}; through the console's writer (64 KiB frame buffer over stdout's line buffer), counted where \
             the terminal would read; rounds on the {runs}-run list after the scroll"
        )
    };
    let writes = stat_of(frames.iter().map(|d| d.writes));
    let writes_ref = stat_of(plain_frames.iter().map(|d| d.writes));
    let max_writes = frames.iter().map(|d| d.writes).max().unwrap_or(0);
    let min_writes = frames.iter().map(|d| d.writes).min().unwrap_or(0);
    let max_plain = plain_frames.iter().map(|d| d.writes).max().unwrap_or(0);
    let max_bytes = frames.iter().map(|d| d.bytes).max().unwrap_or(0);
    let idle_stat = stat_of(idle.iter().copied());
    Ok(vec![
        Figure {
            key: "tui.frame_1m".to_owned(),
            name: format!("frame: j down {runs} runs"),
            unit: "ms",
            value: frame,
            reference: Some(Reference::new(small_name.clone(), frame_ref)),
            goal: "median <= 1.2 x the 1k list and <= 2 ms".to_owned(),
            pass: Some(frame.median <= 1.2 * frame_ref.median && frame.median <= 2.0),
            note: format!("terminal.draw alone (build, render, diff, crossterm encoding); {lists}"),
        },
        Figure {
            key: "tui.key_nav".to_owned(),
            name: format!("key to frame: j, {runs} runs"),
            unit: "ms",
            value: nav,
            reference: Some(Reference::new(small_name, nav_ref)),
            goal: "p99 <= 16 ms".to_owned(),
            pass: Some(nav_p99 <= 16.0),
            note: format!(
                "update + the page loads it asks for, settled + draw; p99 {nav_p99:.2} ms (reference {nav_ref_p99:.2} \
                 ms), max {:.2} ms; {} of {keys} keys loaded a page (reference {}); {lists}",
                percentile(&b.latency, 1.0),
                b.loads,
                s.loads
            ),
        },
        Figure {
            key: "tui.bytes_idle".to_owned(),
            name: "bytes per frame: redraw, nothing changed".to_owned(),
            unit: "B",
            value: idle_stat,
            reference: full_ref(),
            goal: "<= 64 B".to_owned(),
            pass: Some(idle_stat.p95 <= 64.0),
            note: bytes_note(
                "terminal.draw with nothing changed: the diff is empty, the colour/attribute reset and the cursor \
                 hide remain (the console does not draw then: it draws only when something changed)",
            ),
        },
        Figure {
            key: "tui.bytes_select".to_owned(),
            name: "bytes per frame: selection moves one row".to_owned(),
            unit: "B",
            value: stat_of(select.iter().copied()),
            reference: full_ref(),
            goal: "none (information)".to_owned(),
            pass: None,
            note: bytes_note("k then j inside the screen: two rows, the title's row number and the status bar"),
        },
        Figure {
            key: "tui.bytes_page".to_owned(),
            name: "bytes per frame: one screen down (PgDn)".to_owned(),
            unit: "B",
            value: stat_of(page.iter().copied()),
            reference: full_ref(),
            goal: "none (information)".to_owned(),
            pass: None,
            note: bytes_note("PgDn: every row of the table changes"),
        },
        Figure {
            key: "tui.writes_per_frame".to_owned(),
            name: "write calls per frame".to_owned(),
            unit: "writes",
            value: writes,
            reference: Some(Reference::new("same frames via plain Stdout", writes_ref)),
            goal: "exactly 1 per frame".to_owned(),
            pass: Some(min_writes == 1 && max_writes == 1),
            note: format!(
                "every frame above ({} frames: j, PgDn, k, idle, full redraws; largest {max_bytes} B): min {min_writes}, \
                 max {max_writes} writes; the reference is ratatui's default terminal (Stdout, line-buffered with \
                 1 KiB): max {max_plain} writes per frame",
                frames.len()
            ),
        },
    ])
}
