//! `critical!` keeps a record whole: a writer appends records to a file in
//! three writes each, slowly, and is interrupted at an arbitrary moment. It
//! stops between records, never inside one, so the file ends with a
//! complete record.
//!
//! Run it with `cargo run --example critical`.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

use gracefully::{ThreadExit, critical, interruptible};

/// Writes numbered records until interrupted; returns how many it wrote.
#[interruptible]
fn write_records(path: &Path) -> io::Result<u32> {
    let mut file = File::create(path)?;
    let mut written = 0;
    loop {
        // Between records: an interrupt stops the writer here...
        gracefully::sleep(Duration::from_millis(3))?;
        critical! {
            // ...but not in here, where a record is half written. The
            // slow parts stand for a disk or a network that takes its time.
            write!(file, "record {written:04}: ")?;
            gracefully::sleep(Duration::from_millis(2))?;
            write!(file, "{}", "payload ".repeat(4))?;
            gracefully::sleep(Duration::from_millis(2))?;
            writeln!(file, "end")?;
            file.flush()?;
        }
        written += 1;
    }
}

fn main() -> io::Result<()> {
    let path = std::env::temp_dir().join(format!("interrupt-critical-{}.log", std::process::id()));
    let target = path.clone();
    let writer = gracefully::spawn(move || write_records(&target));

    std::thread::sleep(Duration::from_millis(200));
    writer.interrupt();
    let stopped = writer.join().expect("the writer panicked");
    let reason = stopped
        .as_ref()
        .err()
        .and_then(ThreadExit::from_io)
        .map_or_else(|| format!("{stopped:?}"), ThreadExit::to_string);
    println!("writer stopped: {reason}");

    let contents = fs::read_to_string(&path)?;
    fs::remove_file(&path)?;
    let records: Vec<&str> = contents.lines().collect();
    let whole = contents.ends_with("end\n") && records.iter().all(|r| r.ends_with("end"));
    println!(
        "{} records written; the last one: {:?}",
        records.len(),
        records.last().copied().unwrap_or("")
    );
    println!("every record is whole: {whole}");
    assert!(whole, "a record was cut in half");
    Ok(())
}
