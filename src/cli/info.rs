//! `proofdesk info`: what this proofdesk is and where it looks — version and commit, the
//! config file (and whether it exists), the profile, the database (its label: never a
//! password), the operator, the schema version, the log file and the demo data. It opens the
//! database read-only, so asking writes nothing; a database it cannot open is reported on its
//! line and the rest is still printed.

use std::io::Write;

use serde_json::json;

use super::{settle, Failure, Global, TextFormat};
use crate::sanitize::clean;
use crate::service::{self, Service};

/// The commit this binary was built from, or `unknown` (no git at build time).
#[must_use]
pub fn commit() -> &'static str {
    option_env!("PROOFDESK_COMMIT").unwrap_or("unknown")
}

fn path_text(p: Option<&std::path::Path>) -> String {
    p.map_or_else(|| "none (no home directory)".to_owned(), |p| p.display().to_string())
}

pub async fn info(g: &Global, format: TextFormat) -> Result<u8, Failure> {
    let s = &g.settings;
    let demo = service::demo_db_path();
    let demo = std::path::absolute(&demo).unwrap_or(demo);
    let label =
        g.db.as_deref()
            .map_or_else(|| service::describe_url(&format!("sqlite:{}", demo.display())), service::describe_url);
    let read_label = s.read_db.as_deref().map(service::describe_url);
    let password = s.password_env.as_ref().map(|var| (var.clone(), std::env::var_os(var).is_some()));
    let log = g.log_file.clone().or_else(crate::logging::default_log_file);
    // Read-only: `info` writes nothing, not even the demo database.
    let mut opts = settle::open_options(g);
    if let Ok(o) = opts.as_mut() {
        o.read_only = true;
    }
    let opened = match opts {
        Ok(o) => Service::open(o).await.map_err(|e| service::redact_passwords(&e.to_string())),
        Err(f) => Err(f.message),
    };
    let (operator, schema) = match &opened {
        Ok(svc) => {
            let schema = svc.schema_version().await.map_err(|e| service::redact_passwords(&e.to_string()));
            (Some(svc.operator().handle.clone()), schema)
        }
        Err(e) => (g.operator.clone(), Err(e.clone())),
    };
    if let Ok(svc) = &opened {
        svc.close().await;
    }
    let profile = s.profile.as_ref().map(|name| {
        let mut marks = Vec::new();
        if s.production {
            marks.push("production");
        }
        if s.read_only {
            marks.push("read-only");
        }
        (name.clone(), marks)
    });
    let mut out = std::io::stdout().lock();
    if format == TextFormat::Json {
        let v = json!({
            "version": env!("CARGO_PKG_VERSION"),
            "commit": commit(),
            "config": { "path": s.config_path, "exists": s.config_exists },
            "profile": profile.as_ref().map(|(n, _)| n),
            "production": s.production,
            "read_only": s.read_only,
            "database": label,
            "read_database": read_label,
            "password_env": password.as_ref().map(|(var, set)| json!({ "name": var, "set": set })),
            "operator": operator,
            "schema_version": schema.as_ref().ok(),
            "schema_error": schema.as_ref().err(),
            "log_file": log,
            "demo_data": demo,
        });
        super::output::print_json(&mut out, &v)?;
        return Ok(0);
    }
    let config = match &s.config_path {
        Some(p) if s.config_exists => format!("{} (exists)", p.display()),
        p => format!("{} (not found; defaults in use)", path_text(p.as_deref())),
    };
    let profile = match profile {
        Some((name, marks)) if marks.is_empty() => name,
        Some((name, marks)) => format!("{name} ({})", marks.join(", ")),
        None => "none".to_owned(),
    };
    let mut lines = vec![
        ("proofdesk", format!("{} (commit {})", env!("CARGO_PKG_VERSION"), commit())),
        ("config", config),
        ("profile", profile),
        ("database", label),
    ];
    if let Some(r) = read_label {
        lines.push(("read db", format!("{r} (lists, detail and assess read it; writes go to the database)")));
    }
    if let Some((var, set)) = password {
        lines.push(("password", format!("from ${var} ({})", if set { "set" } else { "not set" })));
    }
    lines.extend([
        ("operator", operator.unwrap_or_else(|| "none given (--as or the profile's `as`)".to_owned())),
        ("schema", schema.map_or_else(|e| format!("unknown: {e}"), |v| format!("version {v}"))),
        ("log file", path_text(log.as_deref())),
        ("demo data", demo.display().to_string()),
    ]);
    for (k, v) in lines {
        writeln!(out, "{:<10} {}", format!("{k}:"), clean(&v))?;
    }
    Ok(0)
}
