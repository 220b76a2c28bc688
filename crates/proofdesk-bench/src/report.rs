//! The figures of one run, and how they are printed (a table and notes, or JSON).

use serde::Serialize;
use std::fmt::Write as _;

/// Median and 95th percentile of a set of samples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stat {
    pub median: f64,
    pub p95: f64,
    /// Samples behind the figure (1 for a single measurement).
    pub n: usize,
}

impl Stat {
    /// One measurement.
    #[must_use]
    pub const fn single(value: f64) -> Self {
        Self { median: value, p95: value, n: 1 }
    }

    /// Nearest-rank median and p95 of `values` (empty: zeros).
    #[must_use]
    pub fn of(values: &[f64]) -> Self {
        let n = values.iter().filter(|x| x.is_finite()).count();
        Self { median: percentile(values, 0.5), p95: percentile(values, 0.95), n }
    }
}

/// Nearest-rank percentile `p` (0..=1) of `values`: the smallest value with at least `p` of
/// the samples at or below it (0 when there is none).
#[must_use]
pub fn percentile(values: &[f64], p: f64) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "a rank within the sample count, p in 0..=1"
    )]
    let r = (p * v.len() as f64).ceil() as usize;
    v[r.clamp(1, v.len()) - 1]
}

/// One figure of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    /// Short and stable, e.g. `first_page.search_absent`.
    pub key: String,
    pub name: String,
    /// `ms`, `runs/s`, `MB`, `s`, `B` or `writes`.
    pub unit: &'static str,
    pub value: Stat,
    /// What the value is compared with, measured in the same run.
    pub reference: Option<Reference>,
    /// The goal, in words.
    pub goal: String,
    /// `None` for a figure without a goal (information only).
    pub pass: Option<bool>,
    /// Rows returned, pages read, what was skipped and why.
    pub note: String,
}

/// The reference a figure is compared with.
#[derive(Debug, Clone, Serialize)]
pub struct Reference {
    pub name: String,
    pub value: Stat,
    /// For a figure whose two sides are timed in the same rounds, taking turns going first:
    /// what the value adds, per pair of consecutive rounds (see `sampling::rounds`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paired: Option<Stat>,
}

impl Reference {
    /// A reference measured apart from the value (no paired rounds).
    #[must_use]
    pub fn new(name: impl Into<String>, value: Stat) -> Self {
        Self { name: name.into(), value, paired: None }
    }
}

/// Frame and input-latency figures of the terminal UI (the `tui.*` figures carry their
/// references, goals and notes; `None`: not measured in this run).
#[derive(Debug, Clone, Default, Serialize)]
pub struct TuiFigures {
    /// `terminal.draw` (build, render, diff, encoding) of the runs list while moving down, ms.
    pub frame_time_ms: Option<Stat>,
    /// Bytes written to the terminal by a redraw with nothing changed.
    pub bytes_per_frame: Option<Stat>,
    /// Write calls reaching the terminal per frame.
    pub writes_per_frame: Option<Stat>,
    /// From a navigation key (`j`) to the frame that shows its effect, ms.
    pub key_to_frame_ms: Option<Stat>,
    /// From the `Enter` of a typed filter to the frame of its first page, ms: filters SQL
    /// answers, and a filter on the verdict.
    pub filter_to_frame_ms: Option<Stat>,
    pub verdict_filter_to_frame_ms: Option<Stat>,
    /// From `Service::open` to the first frame with rows, ms.
    pub start_to_first_frame_ms: Option<Stat>,
}

/// The machine the figures were taken on (shared machines make absolute numbers noisy; the
/// load average says how noisy).
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub cpus: usize,
    pub cpu_model: String,
    /// `/proc/loadavg` (1, 5, 15 minutes) before and after the figures.
    pub load_before: String,
    pub load_after: String,
}

/// Everything one run measured.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// `sqlite FILE` or `postgres host:port/db`, never a password.
    pub database: String,
    pub engine: &'static str,
    /// Operation runs in the database (synthetic and scenario runs together).
    pub runs: i64,
    /// Runs the measured operator sees in the default view (-1: not counted in this run).
    pub visible_runs: i64,
    pub operator: String,
    /// Whether the database was built in this run (else reused).
    pub seeded: bool,
    pub started_at: String,
    pub machine: Machine,
    pub figures: Vec<Figure>,
    pub tui: TuiFigures,
}

impl BenchReport {
    /// Figures with a goal that they miss.
    #[must_use]
    pub fn failures(&self) -> Vec<&Figure> {
        self.figures.iter().filter(|f| f.pass == Some(false)).collect()
    }
}

pub fn machine(load_before: String) -> Machine {
    let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    Machine {
        cpus: std::thread::available_parallelism().map_or(0, std::num::NonZeroUsize::get),
        cpu_model,
        load_before,
        load_after: loadavg(),
    }
}

pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn fmt_num(v: f64, unit: &str) -> String {
    match unit {
        "ms" | "%core" if v < 10.0 => format!("{v:.2}"),
        "ms" | "MB" | "s" => format!("{v:.1}"),
        _ => format!("{v:.0}"),
    }
}

/// The report as text (a table and notes) or as one JSON object.
#[must_use]
pub fn render(report: &BenchReport, json: bool) -> String {
    if json {
        return serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    }
    let mut out = String::new();
    let _ = write!(
        out,
        "proofdesk-bench: {} ({} runs, {}){}\nmachine: {} cpus, {}; load {} -> {}\n\n",
        report.database,
        report.runs,
        if report.visible_runs < 0 {
            format!("visible to {} not counted in this run", report.operator)
        } else {
            format!("{} visible to {}", report.visible_runs, report.operator)
        },
        if report.seeded { ", built in this run" } else { ", reused" },
        report.machine.cpus,
        report.machine.cpu_model,
        report.machine.load_before,
        report.machine.load_after,
    );
    let _ = writeln!(
        out,
        "{:<48} {:>9} {:>9} {:>7}   {:<30} {:>9} {:>9} {:>9}   {:<6} goal",
        "figure", "median", "p95", "unit", "reference", "median", "p95", "-ref/rnd", "result"
    );
    for f in &report.figures {
        let (rname, rmed, rp95) = f.reference.as_ref().map_or((String::new(), String::new(), String::new()), |r| {
            (r.name.clone(), fmt_num(r.value.median, f.unit), fmt_num(r.value.p95, f.unit))
        });
        let paired =
            f.reference.as_ref().and_then(|r| r.paired.as_ref()).map_or(String::new(), |p| format!("{:+.2}", p.median));
        let result = match f.pass {
            Some(true) => "pass",
            Some(false) => "FAIL",
            None => "info",
        };
        let _ = writeln!(
            out,
            "{:<48} {:>9} {:>9} {:>7}   {:<30} {:>9} {:>9} {:>9}   {:<6} {}",
            f.name,
            fmt_num(f.value.median, f.unit),
            fmt_num(f.value.p95, f.unit),
            f.unit,
            rname,
            rmed,
            rp95,
            paired,
            result,
            f.goal
        );
    }
    out.push_str("\nnotes:\n");
    for f in &report.figures {
        let _ = writeln!(out, "  {}: {} (n={})", f.key, f.note, f.value.n);
    }
    let failures = report.failures();
    if failures.is_empty() {
        out.push_str("\nevery figure with a goal meets it\n");
    } else {
        let _ = write!(out, "\n{} figure(s) miss their goal: ", failures.len());
        out.push_str(&failures.iter().map(|f| f.key.as_str()).collect::<Vec<_>>().join(", "));
        out.push('\n');
    }
    out
}

/// Prints [`render`] to standard output.
pub fn print(report: &BenchReport, json: bool) {
    use std::io::Write;
    let text = render(report, json);
    let mut out = std::io::stdout().lock();
    // A closed pipe (e.g. `| head`) is not an error worth a panic.
    let _ = out.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = out.write_all(b"\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[expect(clippy::float_cmp, reason = "small integers are exact in f64")]
    fn nearest_rank_percentiles() {
        let s = Stat::of(&[5.0, 1.0, 3.0, 2.0, 4.0]);
        assert_eq!((s.median, s.n), (3.0, 5));
        assert_eq!(s.p95, 5.0);
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        let s = Stat::of(&v);
        assert_eq!((s.median, s.p95), (50.0, 95.0));
        assert_eq!(Stat::of(&[]).n, 0);
        let v: Vec<f64> = (1..=200).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.99), 198.0);
        assert_eq!(percentile(&v, 1.0), 200.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }
}
