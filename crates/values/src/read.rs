//! Reading the files a scan is given or that code names: regular files only, and no larger
//! than a bound, so that neither a device nor a huge file can exhaust memory.

use std::io::Read;
use std::path::Path;

/// The largest source file encguard reads: far past any real module or template, and
/// small enough that reading it cannot exhaust memory.
pub const MAX_SOURCE_BYTES: u64 = 64 << 20;

/// The largest JSON document encguard reads: plans and inventories are written by
/// machines and grow with the infrastructure (a 100,000-resource plan is about 90 MB).
pub const MAX_DOCUMENT_BYTES: u64 = 512 << 20;

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// It could not be opened or read, or is not UTF-8.
    #[error("cannot read: {0}")]
    Unreadable(std::io::Error),
    /// A directory, a device, a pipe.
    #[error("not a regular file")]
    NotRegular,
    /// Larger than the bound, in bytes.
    #[error("larger than {} MiB: not read", .0 >> 20)]
    TooLarge(u64),
}

/// Reads a regular file of at most `max_bytes` as UTF-8.
pub fn read_bounded(path: &Path, max_bytes: u64) -> Result<String, ReadError> {
    let meta = std::fs::metadata(path).map_err(ReadError::Unreadable)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > max_bytes {
        return Err(ReadError::TooLarge(max_bytes));
    }
    let mut text = String::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(max_bytes + 1).read_to_string(&mut text))
        .map_err(ReadError::Unreadable)?;
    Ok(text)
}

/// Reads a source file: a regular file of at most [`MAX_SOURCE_BYTES`], as UTF-8.
pub fn read_source(path: &Path) -> Result<String, ReadError> {
    read_bounded(path, MAX_SOURCE_BYTES)
}
