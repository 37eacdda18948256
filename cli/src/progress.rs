//! A progress bar on standard error, shown only when it is a terminal and the job is long.

use std::io::IsTerminal as _;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Inputs smaller than this finish too quickly to need a bar.
const MIN_SIZE: u64 = 64 << 20;

/// A progress bar, or nothing.
#[derive(Debug)]
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// A bar for `total` bytes (a spinner when the size is unknown), if standard error is a
    /// terminal, `enabled` is true and the job is long enough to need one.
    pub fn new(total: Option<u64>, enabled: bool, verb: &str) -> Progress {
        if !enabled || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = match total {
            Some(t) if t < MIN_SIZE => return Progress(None),
            Some(t) => {
                let style = ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
                )
                .map(|s| s.progress_chars("=> "))
                .unwrap_or_else(|_| ProgressStyle::default_bar());
                ProgressBar::new(t).with_style(style)
            }
            None => {
                let style =
                    ProgressStyle::with_template("{msg} {spinner} {bytes} ({bytes_per_sec})")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner());
                ProgressBar::new_spinner().with_style(style)
            }
        };
        bar.set_message(verb.to_string());
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress(Some(bar))
    }

    /// Records `n` more bytes.
    pub fn inc(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
