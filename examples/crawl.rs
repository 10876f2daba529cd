//! Four crawlers share one borrowed list of pages; one page is broken.
//!
//! The crawler that reaches it fails, and the group tells the other three
//! to stop: each finishes the page it is saving (a critical section),
//! stops at its next interruption point, and releases its connection.
//! `group` returns once all four have finished, with the first error.
//!
//! Run it with `cargo run --example crawl`.

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use gracefully::{Outcome, ThreadExit, critical, interruptible};

#[derive(Debug)]
enum CrawlError {
    /// A page could not be read: the failure that stops the group.
    Broken(String),
    /// The crawler was asked to stop.
    Stopped(ThreadExit),
}

impl From<ThreadExit> for CrawlError {
    fn from(exit: ThreadExit) -> Self {
        CrawlError::Stopped(exit)
    }
}

impl fmt::Display for CrawlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CrawlError::Broken(page) => write!(f, "cannot read {page}"),
            CrawlError::Stopped(exit) => write!(f, "stopped: {exit}"),
        }
    }
}

/// A crawler's connection: released by `Drop` however the crawler ends.
struct Connection {
    crawler: usize,
    pages: usize,
}

impl Drop for Connection {
    fn drop(&mut self) {
        println!(
            "crawler {}: connection closed after {} pages",
            self.crawler, self.pages
        );
    }
}

/// Takes pages off the shared list until it is empty, a page is broken,
/// or the crawler is asked to stop.
#[interruptible]
fn crawl(
    crawler: usize,
    pages: &[&str],
    next: &AtomicUsize,
    saved: &Mutex<Vec<String>>,
) -> Result<usize, CrawlError> {
    let mut connection = Connection { crawler, pages: 0 };
    loop {
        // `#[interruptible]` checks for a request here, each time round.
        let Some(page) = pages.get(next.fetch_add(1, Ordering::Relaxed)) else {
            return Ok(connection.pages);
        };
        // Fetching: an interruptible wait, so a request ends it at once.
        gracefully::sleep(Duration::from_millis(20))?;
        if page.contains("broken") {
            return Err(CrawlError::Broken((*page).to_owned()));
        }
        // Saving must not be cut in half.
        critical! {
            std::thread::sleep(Duration::from_millis(5));
            saved.lock().unwrap().push(format!("{page} (crawler {crawler})"));
        }
        connection.pages += 1;
    }
}

fn main() {
    let pages: Vec<String> = (0..40)
        .map(|n| {
            if n == 9 {
                "/broken-link".to_owned()
            } else {
                format!("/page/{n}")
            }
        })
        .collect();
    let pages: Vec<&str> = pages.iter().map(String::as_str).collect();
    let next = AtomicUsize::new(0);
    let saved = Mutex::new(Vec::new());

    let result = gracefully::group(|g| {
        for crawler in 0..4 {
            let (pages, next, saved) = (&pages, &next, &saved);
            g.spawn(move || crawl(crawler, pages, next, saved));
        }
    });

    for (crawler, outcome) in result.outcomes().iter().enumerate() {
        match outcome {
            Outcome::Ok(pages) => println!("crawler {crawler}: done, {pages} pages"),
            Outcome::Err(error) => println!("crawler {crawler}: failed: {error}"),
            Outcome::Stopped(error) => println!("crawler {crawler}: {error}"),
            other => println!("crawler {crawler}: {other:?}"),
        }
    }
    let saved = saved.into_inner().unwrap();
    println!("{} of {} pages saved", saved.len(), pages.len());
    match result.into_result() {
        Ok(()) => println!("crawl complete"),
        Err(error) => println!("crawl failed: {error}"),
    }
}
