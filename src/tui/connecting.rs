//! The first frame, drawn before the database answers: the console takes the terminal, shows
//! "connecting to LABEL…" on the outage banner's line (with the seconds waited) and the
//! profile on the status bar, and keeps drawing once a second until the session is open, so a
//! slow VPN never shows a blank terminal. `q`, Esc or Ctrl-C quits meanwhile (the attempt is
//! dropped); SIGTERM and SIGHUP as well.

use std::future::Future;
use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream, KeyCode, KeyEventKind, KeyModifiers};
use futures::StreamExt;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;
use tokio::signal::unix::Signal;

use super::layout::FrameAreas;
use super::theme::Theme;
use super::view::status_bar::{render_banner, render_production};
use super::ConsoleTerminal;
use crate::sanitize::clean;
use crate::service::ProfileTag;

/// What the connecting frame shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connecting {
    /// The database's label (never a password).
    pub label: String,
    pub profile: Option<ProfileTag>,
}

impl Connecting {
    /// Draws the frame, `waited` into the attempt.
    pub fn render(&self, frame: &mut Frame<'_>, waited: Duration, theme: &Theme) {
        let area = frame.area();
        frame.render_widget(Block::new().style(theme.base), area);
        let f = FrameAreas::new(area, true);
        let label = clean(&self.label);
        frame.render_widget(Paragraph::new(Span::styled(" proofdesk · connecting…", theme.title)), f.title);
        let body = vec![
            Line::raw(""),
            Line::styled(format!(" Connecting to {label}…"), theme.header),
            Line::styled(" The runs appear as soon as the database answers.", theme.muted),
        ];
        frame.render_widget(Paragraph::new(body).wrap(Wrap { trim: false }), f.body);
        let text = format!("⟳ connecting to {label} · {}s · q quits", waited.as_secs());
        render_banner(frame, f.banner, &text, theme);
        let mut spans = Vec::new();
        if let Some(p) = &self.profile {
            let (text, style) = if p.production {
                (format!(" ▲ PRODUCTION {} ", p.name), theme.production)
            } else {
                (format!(" {} ", p.name), theme.status_accent)
            };
            spans.extend([Span::styled(text, style), Span::styled("│", theme.status_bar)]);
        }
        spans.push(Span::styled(format!(" {label} │ connecting… "), theme.status_bar));
        frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.status_bar), f.status);
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::raw(" "),
                Span::styled("q", theme.hint_key),
                Span::styled(" quit", theme.hint),
            ])),
            f.hints,
        );
        if self.profile.as_ref().is_some_and(|p| p.production) {
            render_production(frame, f.title, theme);
        }
    }

    /// Waits for `connect` with this frame on screen. `Err(code)` when the operator quit (or
    /// a signal came) first: the exit code the console gives for the same (0 for `q` or Esc,
    /// 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP).
    ///
    /// # Errors
    /// Terminal I/O.
    pub async fn wait<T>(
        &self,
        terminal: &mut ConsoleTerminal,
        connect: impl Future<Output = T>,
        events: &mut EventStream,
        theme: &Theme,
        (sigterm, sighup): (&mut Signal, &mut Signal),
    ) -> std::io::Result<Result<T, u8>> {
        let started = Instant::now();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut connect = std::pin::pin!(connect);
        loop {
            terminal.draw(|frame| self.render(frame, started.elapsed(), theme))?;
            tokio::select! {
                done = &mut connect => return Ok(Ok(done)),
                ev = events.next() => match ev {
                    Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                        let ctrl_c = k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL);
                        if ctrl_c {
                            return Ok(Err(130));
                        }
                        if matches!(k.code, KeyCode::Char('q') | KeyCode::Esc) {
                            return Ok(Err(0));
                        }
                    }
                    Some(Err(e)) => return Err(e),
                    None => return Ok(Err(0)),
                    Some(Ok(_)) => {}
                },
                _ = tick.tick() => {}
                _ = sigterm.recv() => return Ok(Err(143)),
                _ = sighup.recv() => return Ok(Err(129)),
            }
        }
    }
}
