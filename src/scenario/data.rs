//! Reading the scenario's CSV data files, with errors that name the file, line and column.

use super::bounds;
use crate::error::ScenarioError;
use crate::model::SupplyElasticity;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Largest data (CSV) file read, in bytes: far above any real tariff table, small enough that a
/// path mistakenly pointing at a huge file fails at once instead of exhausting memory.
pub const MAX_DATA_BYTES: u64 = 512 * 1024 * 1024;

/// Why an input path could not be read, in a user's words.
#[derive(Debug)]
pub enum PathProblem {
    /// Nothing at that path.
    NotFound,
    /// The path exists but is not a regular file (a folder, a pipe, a device, ...).
    NotAFile(&'static str),
    /// The file is larger than the cap for its kind.
    TooLarge {
        /// The file's size in bytes.
        size: u64,
        /// The cap in bytes.
        cap: u64,
    },
    /// Another I/O error (permissions, ...).
    Io(std::io::Error),
}

impl std::fmt::Display for PathProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PathProblem::NotFound => write!(f, "not found"),
            PathProblem::NotAFile(what) => {
                write!(f, "is {what}, not a file; give the path of a regular file")
            }
            PathProblem::TooLarge { size, cap } => write!(
                f,
                "is too large ({}; at most {} is read)",
                human_bytes(*size),
                human_bytes(*cap)
            ),
            PathProblem::Io(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                write!(f, "cannot be read: permission denied")
            }
            PathProblem::Io(e) => write!(f, "cannot be read: {}", e.kind()),
        }
    }
}

fn human_bytes(n: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if n >= MIB {
        format!("{:.0} MiB", n as f64 / MIB as f64)
    } else {
        format!("{n} bytes")
    }
}

/// What kind of thing a path that is not a regular file is, for messages.
fn kind_of(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// A data file's bytes (a regular file of at most [`MAX_DATA_BYTES`]), with an error that
/// names its `role` ("trade data") and path.
pub fn read_data_file(path: &Path, role: &str) -> Result<Vec<u8>, ScenarioError> {
    read_input_file(path, MAX_DATA_BYTES).map_err(|problem| ScenarioError::Path {
        role: role.to_string(),
        path: path.to_path_buf(),
        problem: problem.to_string(),
    })
}

/// Reads an input file whole, accepting regular files (or links to them) of at most `cap`
/// bytes only. Folders, pipes and devices are refused before they are opened, so a FIFO
/// cannot block and `/dev/zero` cannot fill the memory.
pub fn read_input_file(path: &Path, cap: u64) -> Result<Vec<u8>, PathProblem> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => PathProblem::NotFound,
        _ => PathProblem::Io(e),
    })?;
    if !meta.is_file() {
        return Err(PathProblem::NotAFile(kind_of(&meta.file_type())));
    }
    if meta.len() > cap {
        return Err(PathProblem::TooLarge {
            size: meta.len(),
            cap,
        });
    }
    let file = std::fs::File::open(path).map_err(PathProblem::Io)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // `take` keeps the cap even for a file that grows while it is read.
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(PathProblem::Io)?;
    if bytes.len() as u64 > cap {
        return Err(PathProblem::TooLarge {
            size: bytes.len() as u64,
            cap,
        });
    }
    Ok(bytes)
}

/// Byte offsets where the lines of a text start, so that an offset can be turned into the
/// line number an editor shows. A line ends at `\n`, `\r\n` or a lone `\r` (old Mac files),
/// the same terminators the CSV reader accepts.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes a text.
    pub fn new(bytes: &[u8]) -> Self {
        let mut starts = vec![0];
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
                starts.push(i + 1);
            }
        }
        LineIndex { starts }
    }

    /// The 1-based line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }

    /// [`LineIndex::line_of`] for offsets that mostly grow, as when a file is read front to
    /// back: it walks on from the line found last (`cursor`, 0-based), one step per line,
    /// instead of a binary search per row; an offset before the cursor is searched.
    pub fn line_of_after(&self, offset: usize, cursor: &std::cell::Cell<usize>) -> usize {
        let mut c = cursor.get();
        if c >= self.starts.len() || self.starts[c] > offset {
            c = self.line_of(offset).saturating_sub(1);
        }
        while c + 1 < self.starts.len() && self.starts[c + 1] <= offset {
            c += 1;
        }
        cursor.set(c);
        c + 1
    }
}

/// The 1-based line of the first byte that is not UTF-8, if any.
pub fn first_non_utf8_line(bytes: &[u8]) -> Option<usize> {
    let e = std::str::from_utf8(bytes).err()?;
    Some(LineIndex::new(bytes).line_of(e.valid_up_to()))
}

/// What to say about a line that is not UTF-8.
pub const NOT_UTF8: &str = "this line is not valid UTF-8 text (a character on it is written in \
    another encoding, such as Windows-1252 or Latin-1); save the file as UTF-8";

/// A CSV file read into memory with its header, so rows can be checked by column name.
///
/// The cells are kept as one text with the end of each cell, not as a record per row: a
/// million-row file costs three allocations, not two million.
pub struct CsvTable {
    path: PathBuf,
    headers: Vec<String>,
    /// Every cell's text (trimmed), row after row.
    text: String,
    /// Where each cell ends in `text`, `headers.len()` cells per row.
    ends: Vec<u32>,
    /// The 1-based line each row starts on (a file of at most 4 GiB has fewer lines).
    lines: Vec<u32>,
}

/// One row of a [`CsvTable`], able to parse its cells with located errors.
pub struct CsvRow<'a> {
    table: &'a CsvTable,
    /// 1-based line number in the file.
    pub line: u64,
    /// Index of the row's first cell in the table's `ends`.
    first: usize,
}

impl CsvTable {
    /// Reads a whole CSV file (a regular file of at most [`MAX_DATA_BYTES`]). `role` names
    /// the file in errors ("trade data").
    pub fn read(path: &Path, role: &str) -> Result<Self, ScenarioError> {
        Self::parse_owned(path, read_data_file(path, role)?)
    }

    /// Parses a CSV file already read into memory; `path` is used in errors. Line numbers
    /// are those an editor shows, whatever the line endings (LF, CRLF or CR).
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Self, ScenarioError> {
        Self::parse_with(path, Cow::Borrowed(bytes), true)
    }

    /// [`CsvTable::parse`] of a file's bytes handed over: a file without quotes keeps its
    /// cells in the same memory (no copy of a large file is held beside it).
    pub fn parse_owned(path: &Path, bytes: Vec<u8>) -> Result<Self, ScenarioError> {
        Self::parse_with(path, Cow::Owned(bytes), true)
    }

    /// [`CsvTable::parse`]; `plain` lets a file without quotes be split by hand
    /// ([`PlainRows`]) rather than by the `csv` reader, with the same result.
    fn parse_with(path: &Path, bytes: Cow<'_, [u8]>, plain: bool) -> Result<Self, ScenarioError> {
        let at = |line: usize, column: Option<String>, message: String| ScenarioError::Csv {
            path: path.to_path_buf(),
            line: line as u64,
            column,
            message,
        };
        let not_utf8 = |bytes: &[u8]| {
            at(
                first_non_utf8_line(bytes).unwrap_or(1),
                None,
                format!("{NOT_UTF8} (in Excel: \"CSV UTF-8\")"),
            )
        };
        if std::str::from_utf8(&bytes).is_err() {
            return Err(not_utf8(&bytes));
        }
        let headers = Self::read_headers(&bytes, &at)?;
        let bytes = if plain {
            let (owned, borrowed) = match bytes {
                Cow::Owned(v) => (v, None),
                Cow::Borrowed(b) => (b.to_vec(), Some(b)),
            };
            match PlainRows::parse_in_place(owned, headers.len()) {
                Ok(Some(rows)) => {
                    return Ok(CsvTable {
                        path: path.to_path_buf(),
                        headers,
                        text: rows.text,
                        ends: rows.ends,
                        lines: rows.lines,
                    });
                }
                // Whole cells of a UTF-8 file are UTF-8: not reached.
                Ok(None) => return Err(not_utf8(b"")),
                Err(untouched) => borrowed.map_or(Cow::Owned(untouched), Cow::Borrowed),
            }
        } else {
            bytes
        };
        let bytes: &[u8] = &bytes;
        // Cells are trimmed of Unicode white space (`str::trim`) as they are stored.
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::None)
            .from_reader(bytes);
        // The header was checked above; the reader takes it again before the records.
        reader
            .headers()
            .map_err(|e| at(1, None, format!("cannot read the header line: {e}")))?;
        let lines = LineIndex::new(bytes);
        let cursor = std::cell::Cell::new(0);
        // The line a record starts on: its position may point at the line ending before it.
        let line_at = |offset: u64| {
            let mut o = offset as usize;
            while o < bytes.len() && matches!(bytes[o], b'\r' | b'\n') {
                o += 1;
            }
            lines.line_of_after(o, &cursor)
        };
        let mut text = String::new();
        let mut ends: Vec<u32> = Vec::new();
        let mut lines: Vec<u32> = Vec::new();
        let mut record = csv::ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    let line = e.position().map_or(0, |p| line_at(p.byte()));
                    let message = match e.kind() {
                        csv::ErrorKind::UnequalLengths {
                            expected_len, len, ..
                        } => format!(
                            "this row has {len} fields but the header has {expected_len} ({}); \
                             a text that contains a comma must be in double quotes",
                            headers.join(", ")
                        ),
                        _ => format!("this row cannot be read: {e}"),
                    };
                    return Err(at(line, None, message));
                }
            }
            let line = record.position().map_or(0, |p| line_at(p.byte())) as u64;
            let (text_start, ends_start) = (text.len(), ends.len());
            for field in record.iter() {
                // The whole file is UTF-8 (checked above) and fields split at ASCII bytes.
                let field = std::str::from_utf8(field).map_err(|_| {
                    at(
                        line as usize,
                        None,
                        format!("{NOT_UTF8} (in Excel: \"CSV UTF-8\")"),
                    )
                })?;
                text.push_str(field.trim());
                ends.push(text.len() as u32);
            }
            if text.len() == text_start {
                // Every cell empty: a blank row, skipped.
                ends.truncate(ends_start);
                continue;
            }
            // Every row has the header's width (the reader refuses other lengths).
            ends.resize(ends_start + headers.len(), text.len() as u32);
            lines.push(u32::try_from(line).unwrap_or(u32::MAX));
        }
        Ok(CsvTable {
            path: path.to_path_buf(),
            headers,
            text,
            ends,
            lines,
        })
    }

    /// The header's column names (trimmed, a byte-order mark removed), refused when empty
    /// or when a name repeats.
    fn read_headers(
        bytes: &[u8],
        at: &impl Fn(usize, Option<String>, String) -> ScenarioError,
    ) -> Result<Vec<String>, ScenarioError> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::None)
            .from_reader(bytes);
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| at(1, None, format!("cannot read the header line: {e}")))?
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').trim().to_string())
            .collect();
        if headers.iter().all(|h| h.is_empty()) {
            return Err(at(
                1,
                None,
                "the first line should be a header naming the columns (such as \
                 product,exporter,value), but it is empty"
                    .into(),
            ));
        }
        let mut first_seen: HashMap<&str, usize> = HashMap::new();
        for (i, h) in headers.iter().enumerate() {
            if h.is_empty() {
                continue;
            }
            if let Some(first) = first_seen.insert(h.as_str(), i) {
                return Err(at(
                    1,
                    Some(h.clone()),
                    format!(
                        "the header names this column twice (columns {} and {}); each column \
                         may appear once, so rename or delete one of them",
                        first + 1,
                        i + 1
                    ),
                ));
            }
        }
        Ok(headers)
    }

    /// The table without its rows: its path and header, all that its errors need, kept after
    /// the rows have been read into other structures (a million rows are tens of MB).
    pub fn without_rows(self) -> Self {
        CsvTable {
            path: self.path,
            headers: self.headers,
            text: String::new(),
            ends: Vec::new(),
            lines: Vec::new(),
        }
    }

    /// The header's column names.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of data rows.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// True when the file has no data rows.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Index of a column, if present.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// Index of a required column, or an error naming the columns found.
    pub fn require(&self, name: &str) -> Result<usize, ScenarioError> {
        self.column(name).ok_or_else(|| ScenarioError::Csv {
            path: self.path.clone(),
            line: 1,
            column: Some(name.to_string()),
            message: format!(
                "required column is missing; the header has: {}",
                self.headers.join(", ")
            ),
        })
    }

    /// Iterates over the rows `range` (row indices from 0, after the header).
    pub fn rows_in(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = CsvRow<'_>> {
        let width = self.headers.len();
        let start = range.start;
        self.lines[range]
            .iter()
            .enumerate()
            .map(move |(r, &line)| CsvRow {
                line: u64::from(line),
                table: self,
                first: (start + r) * width,
            })
    }

    /// Iterates over the rows.
    pub fn rows(&self) -> impl Iterator<Item = CsvRow<'_>> {
        let width = self.headers.len();
        self.lines.iter().enumerate().map(move |(r, &line)| CsvRow {
            line: u64::from(line),
            table: self,
            first: r * width,
        })
    }

    /// An error at a line and column of this file.
    pub fn error(&self, line: u64, column: Option<usize>, message: String) -> ScenarioError {
        ScenarioError::Csv {
            path: self.path.clone(),
            line,
            column: column.map(|c| self.headers[c].clone()),
            message,
        }
    }
}

/// The rows of a CSV file without quotes, split by hand: what the `csv` reader gives for
/// such a file (records end at `\n`, `\r\n` or `\r`, blank lines are skipped, fields end at
/// commas), several times faster, and in two halves at once for a large file. Anything
/// else (a quote, a row whose width differs from the header's) is left to the reader, whose
/// errors name the line.
struct PlainRows {
    text: String,
    ends: Vec<u32>,
    lines: Vec<u32>,
}

/// Files above this size are cut into [`PLAIN_PIECES`] pieces at line ends, checked and
/// compacted in parallel, each in its own part of the file's memory.
const PLAIN_SPLIT: usize = 1 << 20;
/// Pieces of a large file.
const PLAIN_PIECES: usize = 16;

/// One piece of a file compacted in place: its cells' text is the first `len` bytes of the
/// piece, `cells` of its slots in `ends` (relative to the piece) and `rows` of its slots in
/// `lines` (counted from 1 at the piece's start) are used, and it holds `breaks` line
/// breaks.
struct Compacted {
    len: usize,
    cells: usize,
    rows: usize,
    breaks: u32,
}

impl PlainRows {
    /// The data rows (after the header) of a file's bytes, `width` cells each, kept in the
    /// same memory: each cell's trimmed text is moved down over the commas and line
    /// breaks. `Err` gives the bytes back untouched when the file needs the full reader;
    /// `Ok(None)` if the result were not UTF-8 (it always is for a UTF-8 file).
    fn parse_in_place(mut bytes: Vec<u8>, width: usize) -> Result<Option<Self>, Vec<u8>> {
        use rayon::prelude::*;
        // Positions and line numbers are held in 32 bits.
        if bytes.contains(&b'"') || width == 0 || bytes.len() >= u32::MAX as usize {
            return Err(bytes);
        }
        // The header is the first line that is not blank.
        let lead = bytes
            .iter()
            .position(|&b| b != b'\n' && b != b'\r')
            .unwrap_or(bytes.len());
        let header_end = bytes[lead..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .map_or(bytes.len(), |k| lead + k);
        if bytes[lead..header_end]
            .iter()
            .filter(|&&b| b == b',')
            .count()
            + 1
            != width
        {
            return Err(bytes);
        }
        // Pieces start just after a `\n`, so never inside a `\r\n`.
        let mut cuts = vec![header_end];
        if bytes.len() >= PLAIN_SPLIT {
            for k in 1..PLAIN_PIECES {
                let Some(&last) = cuts.last() else {
                    return Err(bytes);
                };
                let from = (bytes.len() * k / PLAIN_PIECES).max(last);
                if let Some(n) = bytes[from..].iter().position(|&b| b == b'\n') {
                    cuts.push(from + n + 1);
                }
            }
        }
        cuts.push(bytes.len());
        cuts.dedup();
        // Every record must have `width` cells, or the reader takes the file, untouched.
        let records: Option<Vec<usize>> = cuts
            .par_windows(2)
            .map(|w| Self::records::<true>(&bytes[w[0]..w[1]], width))
            .collect();
        let Some(records) = records else {
            return Err(bytes);
        };
        // Slots for every record's cells and line, handed out piece by piece.
        let total: usize = records.iter().sum();
        let mut ends = vec![0u32; total * width];
        let mut lines = vec![0u32; total];
        let mut jobs = Vec::with_capacity(records.len());
        {
            let (mut text, mut end_slots, mut line_slots) = (
                &mut bytes[header_end..],
                ends.as_mut_slice(),
                lines.as_mut_slice(),
            );
            for (w, &n) in cuts.windows(2).zip(&records) {
                let (piece, rest) = std::mem::take(&mut text).split_at_mut(w[1] - w[0]);
                let (e, e_rest) = std::mem::take(&mut end_slots).split_at_mut(n * width);
                let (l, l_rest) = std::mem::take(&mut line_slots).split_at_mut(n);
                jobs.push((piece, e, l));
                (text, end_slots, line_slots) = (rest, e_rest, l_rest);
            }
        }
        let pieces: Vec<Compacted> = jobs
            .into_par_iter()
            .map(|(piece, e, l)| Self::compact::<true>(piece, width, e, l))
            .collect();
        // The pieces moved down after one another, their positions and lines shifted.
        let mut breaks = Self::line_breaks(&bytes[..lead]);
        let (mut len, mut cells, mut rows) = (0usize, 0, 0);
        let (mut end_at, mut line_at) = (0, 0);
        for ((piece, w), &n) in pieces.iter().zip(cuts.windows(2)).zip(&records) {
            bytes.copy_within(w[0]..w[0] + piece.len, len);
            // Below 2^32: the file's size was checked above.
            let shift = len as u32;
            for k in 0..piece.cells {
                ends[cells + k] = ends[end_at + k] + shift;
            }
            for k in 0..piece.rows {
                lines[rows + k] = lines[line_at + k] + breaks;
            }
            len += piece.len;
            cells += piece.cells;
            rows += piece.rows;
            end_at += n * width;
            line_at += n;
            breaks += piece.breaks;
        }
        bytes.truncate(len);
        bytes.shrink_to_fit();
        ends.truncate(cells);
        lines.truncate(rows);
        Ok(String::from_utf8(bytes)
            .ok()
            .map(|text| PlainRows { text, ends, lines }))
    }

    /// The number of records (runs of bytes between line breaks) of a piece, when each
    /// has `width` cells. One pass, eight bytes at a time: the commas between two line
    /// breaks are counted from bit masks.
    fn records<const WORDS: bool>(piece: &[u8], width: usize) -> Option<usize> {
        let (mut records, mut commas, mut open) = (0, 0, false);
        let mut ok = true;
        // (Without WORDS, a byte at a time: the tests' reference.)
        let mut words = piece.chunks_exact(if WORDS { 8 } else { piece.len() + 1 });
        for word in &mut words {
            let w = u64::from_le_bytes(word.try_into().unwrap_or_default());
            let comma = bytes_equal(w, b',');
            let mut breaks = bytes_equal(w, b'\n') | bytes_equal(w, b'\r');
            // The bit where the bytes not yet counted start.
            let mut from = 0;
            while breaks != 0 {
                let at = breaks.trailing_zeros() & !7;
                commas += (comma & ((1 << at) - 1) & !((1 << from) - 1)).count_ones() as usize;
                open |= at > from;
                ok &= !open || commas + 1 == width;
                records += usize::from(open);
                (commas, open) = (0, false);
                from = at + 8;
                breaks &= breaks - 1;
            }
            if from < 64 {
                commas += (comma >> from).count_ones() as usize;
                open = true;
            }
        }
        for &b in words.remainder() {
            match b {
                b',' => {
                    commas += 1;
                    open = true;
                }
                b'\n' | b'\r' => {
                    ok &= !open || commas + 1 == width;
                    records += usize::from(open);
                    (commas, open) = (0, false);
                }
                _ => open = true,
            }
        }
        ok &= !open || commas + 1 == width;
        records += usize::from(open);
        ok.then_some(records)
    }

    /// Line breaks in `text` (`\r\n` counts once).
    fn line_breaks(text: &[u8]) -> u32 {
        let mut breaks = 0;
        let mut i = 0;
        while i < text.len() {
            if text[i] == b'\r' || text[i] == b'\n' {
                breaks += 1;
                i += if text[i] == b'\r' && text.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
            } else {
                i += 1;
            }
        }
        breaks
    }

    /// Compacts one piece in place: each non-blank record's cells, trimmed, moved down to
    /// the piece's start, their ends (within the piece) in `ends` and their lines (from 1
    /// at the piece's start) in `lines`. One pass over the bytes, each copied down at most
    /// once: text only ever moves down (cells lose their commas and line breaks), so what
    /// is still to be read is never overwritten.
    fn compact<const WORDS: bool>(
        piece: &mut [u8],
        width: usize,
        ends: &mut [u32],
        lines: &mut [u32],
    ) -> Compacted {
        let n = piece.len();
        let (mut i, mut line, mut len) = (0, 1u32, 0usize);
        let (mut cells, mut rows) = (0, 0);
        // Ends the cell written from `start`, trimmed ([`trimmed`]); its end is recorded.
        let mut end_cell = |piece: &mut [u8], start: usize, len: &mut usize, cells: &mut usize| {
            let (a, b) = trimmed(&piece[start..*len]);
            if (a, b) != (0, *len - start) {
                piece.copy_within(start + a..start + b, start);
                *len = start + (b - a);
            }
            // Below 2^32: the file's size was checked.
            ends[*cells] = *len as u32;
            *cells += 1;
        };
        while i < n {
            match piece[i] {
                b'\n' => {
                    line += 1;
                    i += 1;
                }
                b'\r' => {
                    line += 1;
                    i += if piece.get(i + 1) == Some(&b'\n') {
                        2
                    } else {
                        1
                    };
                }
                _ => {
                    let (row_text, row_cells) = (len, cells);
                    let mut start = len;
                    while i < n {
                        // Bytes up to the next comma or line break moved down, eight at a
                        // time: a whole word is stored where it overwrites no byte still to
                        // be read (`len` never passes `i`). (Without WORDS, a byte at a time:
                        // the tests' reference.)
                        while WORDS && i + 8 <= n {
                            let w =
                                u64::from_le_bytes(piece[i..i + 8].try_into().unwrap_or_default());
                            let delimiters = bytes_equal(w, b',')
                                | bytes_equal(w, b'\n')
                                | bytes_equal(w, b'\r');
                            if delimiters == 0 {
                                piece[len..len + 8].copy_from_slice(&w.to_le_bytes());
                                (len, i) = (len + 8, i + 8);
                                continue;
                            }
                            let k = (delimiters.trailing_zeros() / 8) as usize;
                            if i - len >= 8 {
                                // The whole word fits below the delimiter, still to be read
                                // (once eight delimiters are gone, always).
                                piece[len..len + 8].copy_from_slice(&w.to_le_bytes());
                            } else {
                                for (j, &b) in w.to_le_bytes()[..k].iter().enumerate() {
                                    piece[len + j] = b;
                                }
                            }
                            (len, i) = (len + k, i + k);
                            break;
                        }
                        let Some(&b) = piece.get(i) else {
                            break;
                        };
                        if b == b'\n' || b == b'\r' {
                            break;
                        }
                        if b == b',' {
                            end_cell(piece, start, &mut len, &mut cells);
                            start = len;
                        } else {
                            piece[len] = b;
                            len += 1;
                        }
                        i += 1;
                    }
                    end_cell(piece, start, &mut len, &mut cells);
                    if len == row_text {
                        // Every cell empty: a blank row, skipped.
                        cells = row_cells;
                        continue;
                    }
                    lines[rows] = line;
                    rows += 1;
                }
            }
        }
        debug_assert!(cells <= ends.len() && rows <= lines.len() && width > 0);
        Compacted {
            len,
            cells,
            rows,
            breaks: line - 1,
        }
    }
}

/// The high bit of each byte of `w` that equals `b`, and no other bit. (Each byte's low
/// seven bits plus 0x7F carry into its high bit exactly when they are not all zero; no carry
/// crosses into the next byte.)
fn bytes_equal(w: u64, b: u8) -> u64 {
    const LOW_SEVEN: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let x = w ^ (0x0101_0101_0101_0101 * u64::from(b));
    !(((x & LOW_SEVEN) + LOW_SEVEN) | x | LOW_SEVEN)
}

/// Where a cell's text starts and ends once trimmed (`str::trim`), at once for a cell that
/// starts and ends with printable ASCII (no white space to remove).
fn trimmed(cell: &[u8]) -> (usize, usize) {
    match (cell.first(), cell.last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => (0, cell.len()),
        (None, _) | (_, None) => (0, 0),
        _ => match std::str::from_utf8(cell) {
            Ok(text) => {
                let t = text.trim();
                let a = t.as_ptr() as usize - text.as_ptr() as usize;
                (a, a + t.len())
            }
            // Cells of a UTF-8 file split at ASCII bytes are UTF-8: not reached.
            Err(_) => (0, cell.len()),
        },
    }
}

impl<'a> CsvRow<'a> {
    /// The text of a cell (empty when the column is absent); it lives as long as the table.
    pub fn text(&self, column: usize) -> &'a str {
        let table = self.table;
        if column >= table.headers.len() {
            return "";
        }
        let i = self.first + column;
        let start = if i == 0 {
            0
        } else {
            table.ends[i - 1] as usize
        };
        &table.text[start..table.ends[i] as usize]
    }

    /// A non-empty text cell.
    pub fn required_text(&self, column: usize) -> Result<&'a str, ScenarioError> {
        let t = self.text(column);
        if t.is_empty() {
            Err(self.error(column, "is empty; a value is required".into()))
        } else {
            Ok(t)
        }
    }

    /// A non-empty name or code that is one line of printable text (no line break, tab or
    /// other control character, which would break tables and messages).
    pub fn name(&self, column: usize) -> Result<&'a str, ScenarioError> {
        let t = self.required_text(column)?;
        match control_char_problem(t) {
            None => Ok(t),
            Some(m) => Err(self.error(column, m)),
        }
    }

    /// A finite number.
    pub fn number(&self, column: usize) -> Result<f64, ScenarioError> {
        let t = self.required_text(column)?;
        match t.parse::<f64>() {
            // (+ 0.0 turns -0 into 0.)
            Ok(v) if v.is_finite() => Ok(v + 0.0),
            _ => {
                let hint = if t.contains('%') {
                    " (write the number without the % sign: 15, not 15%)"
                } else if t.contains(',') {
                    " (write numbers without thousands separators and with a decimal point: \
                     1000.5, not 1,000.5 or 1000,5)"
                } else if t.parse::<f64>().is_ok() {
                    " (NaN and infinite values are not accepted)"
                } else {
                    ""
                };
                Err(self.error(column, format!("expected a number, found '{t}'{hint}")))
            }
        }
    }

    /// A finite number that is zero or more.
    pub fn non_negative(&self, column: usize) -> Result<f64, ScenarioError> {
        let v = self.number(column)?;
        if v < 0.0 {
            Err(self.error(column, format!("must not be negative, found {}", Num(v))))
        } else {
            Ok(v)
        }
    }

    /// An import demand elasticity as written (either sign), within
    /// [`bounds::IMPORT_DEMAND`] in size.
    pub fn import_demand(&self, column: usize) -> Result<f64, ScenarioError> {
        let v = self.number(column)?;
        bounds::import_demand(v)
            .map(|_| v)
            .map_err(|m| self.error(column, m))
    }

    /// A substitution elasticity within [`bounds::SUBSTITUTION`].
    pub fn substitution(&self, column: usize) -> Result<f64, ScenarioError> {
        let v = self.number(column)?;
        match bounds::substitution_problem(v, "must be positive,") {
            None => Ok(v),
            Some(m) => Err(self.error(column, m)),
        }
    }

    /// An export supply elasticity: a number of at least [`bounds::MIN_EXPORT_SUPPLY`]
    /// (99 or more is infinite) or the word `inf`/`infinite`.
    pub fn export_supply(&self, column: usize) -> Result<SupplyElasticity, ScenarioError> {
        if matches!(
            self.text(column).to_ascii_lowercase().as_str(),
            "inf" | "infinite"
        ) {
            return Ok(SupplyElasticity::Infinite);
        }
        let v = self.number(column)?;
        match bounds::export_supply_problem(v) {
            None => Ok(SupplyElasticity::from_value(v)),
            Some(m) => Err(self.error(column, m)),
        }
    }

    /// An error at this row and column.
    pub fn error(&self, column: usize, message: String) -> ScenarioError {
        self.table.error(self.line, Some(column), message)
    }
}

/// Rejects percent columns whose values, taken together, all look like fractions (0.15 for
/// 15 %): the largest value of all the given columns is above 0 and at most 1. Columns that
/// hold rates of the same kind (before and after) are checked together, so a cut from 15 to
/// 0.5 is accepted.
pub fn check_percent_columns(
    table: &CsvTable,
    columns: &[(usize, &[f64])],
) -> Result<(), ScenarioError> {
    // One rate above 1 settles it; only files without one need their largest rate.
    let values = || {
        columns
            .iter()
            .flat_map(|(_, values)| values.iter().copied())
    };
    if values().any(|v| v > 1.0) {
        return Ok(());
    }
    let max = values().fold(0.0, f64::max);
    if max > 0.0 && max <= 1.0 {
        let names: Vec<&str> = columns
            .iter()
            .map(|(c, _)| table.headers[*c].as_str())
            .collect();
        let (column, whose, holds) = match columns {
            [(c, _)] => (Some(*c), "every rate".to_string(), "the column holds"),
            _ => (
                None,
                format!("every rate in {}", names.join(" and ")),
                "these columns hold",
            ),
        };
        return Err(table.error(
            1,
            column,
            format!(
                "{whose} is at most 1 (largest {}): these look like fractions, but \
                 {holds} percent; write 15 for 15%",
                Num(max)
            ),
        ));
    }
    Ok(())
}

/// Why a name (exporter, product, region, group, ...) is not one line of printable text, if it
/// is not: line breaks, tabs and other control characters would break the report's tables
/// and the terminal's messages.
pub fn control_char_problem(name: &str) -> Option<String> {
    if name.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        // Printable ASCII, the usual case, has no control character.
        return None;
    }
    let (i, c) = name
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))?;
    let what = match c {
        '\n' | '\r' | '\u{2028}' | '\u{2029}' => "a line break".to_string(),
        '\t' => "a tab".to_string(),
        c => format!("the control character U+{:04X}", c as u32),
    };
    let before: String = name.chars().take(i).collect();
    Some(format!(
        "contains {what} after \"{before}\"; names and codes must be one line of printable text"
    ))
}

/// The suggestion for a rate that looks like a fraction: "write 19 for 19%" when the value
/// times 100 would itself be accepted (at least 1 in size), else `None`.
pub fn fraction_fix(x: f64, unit: &str) -> Option<String> {
    let pct = fmt_num(x * 100.0);
    ((x * 100.0).abs() >= 1.0).then(|| format!("write {pct} for {pct}{unit}"))
}

/// A number shown in a message, written by [`fmt_num`].
#[derive(Debug, Clone, Copy)]
pub struct Num(pub f64);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&fmt_num(self.0))
    }
}

/// A number for messages: at most 10 significant digits, so that 0.07 × 100 shows as 7 and
/// not 7.000000000000001.
pub fn fmt_num(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{}", v + 0.0);
    }
    let digits = (9 - v.abs().log10().floor() as i32).clamp(0, 300) as usize;
    let rounded: f64 = format!("{v:.digits$}").parse().unwrap_or(v);
    if (1e-6..1e15).contains(&rounded.abs()) {
        format!("{rounded}")
    } else {
        format!("{rounded:e}")
    }
}

/// Counts of the `status` column's values weighted by trade value, for the report.
pub type StatusShares = BTreeMap<String, f64>;

/// The message for a name that is not in the data, with the closest known name suggested
/// when one is near (a typo such as "Pakistn" or "Viet Nam").
pub fn unknown_name(kind: &str, name: &str, known: &[String]) -> String {
    let closest = known
        .iter()
        .map(|k| (edit_distance(&name.to_lowercase(), &k.to_lowercase()), k))
        .min_by_key(|(d, _)| *d)
        .filter(|(d, k)| *d <= 2.max(k.chars().count() / 4));
    let hint = closest.map_or(String::new(), |(_, k)| format!("did you mean '{k}'? "));
    // A name with a line break or tab is shown escaped, so that the message stays one line.
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    let plural = match kind.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None => format!("{kind}s"),
    };
    format!(
        "{kind} '{name}' is not in the trade data; {hint}{plural} found: {}",
        known.join(", ")
    )
}

/// Levenshtein distance between two strings, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pieces of every length made of cell text, spaces, commas and both kinds of line break
    /// (and a two-byte letter): reading eight bytes at a time gives the same records, cells,
    /// ends, lines and bytes as reading a byte at a time.
    #[test]
    fn word_at_a_time_parsing_equals_byte_at_a_time() {
        let alphabet: [&[u8]; 9] = [
            b"a",
            b"7",
            b"xyz0123456",
            b" ",
            b",",
            b",",
            b"\n",
            b"\r",
            "\u{e9}".as_bytes(),
        ];
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for case in 0..20_000 {
            let len = (next() % 90) as usize;
            let mut piece = Vec::new();
            while piece.len() < len {
                piece.extend_from_slice(alphabet[(next() % alphabet.len() as u64) as usize]);
            }
            let width = 1 + (next() % 4) as usize;
            let records = PlainRows::records::<true>(&piece, width);
            assert_eq!(
                records,
                PlainRows::records::<false>(&piece, width),
                "{case}: {piece:?}"
            );
            let slots = piece.len() + 1;
            let (mut a, mut b) = (piece.clone(), piece.clone());
            let (mut ends_a, mut ends_b) = (vec![0; slots * width], vec![0; slots * width]);
            let (mut lines_a, mut lines_b) = (vec![0; slots], vec![0; slots]);
            let x = PlainRows::compact::<true>(&mut a, width, &mut ends_a, &mut lines_a);
            let y = PlainRows::compact::<false>(&mut b, width, &mut ends_b, &mut lines_b);
            assert_eq!(
                (x.len, x.cells, x.rows, x.breaks),
                (y.len, y.cells, y.rows, y.breaks),
                "{case}: {piece:?}"
            );
            assert_eq!(a[..x.len], b[..y.len], "{case}: {piece:?}");
            assert_eq!((ends_a, lines_a), (ends_b, lines_b), "{case}: {piece:?}");
        }
    }

    #[test]
    fn line_numbers_count_lf_crlf_and_cr_endings() {
        for text in ["a\nb\nc", "a\r\nb\r\nc", "a\rb\rc"] {
            let idx = LineIndex::new(text.as_bytes());
            let c = text.find('c').unwrap();
            assert_eq!(idx.line_of(0), 1, "{text:?}");
            assert_eq!(idx.line_of(c), 3, "{text:?}");
        }
        let table = CsvTable::parse(Path::new("t.csv"), b"x,y\r\n1,2\r\n\r\n3,4\r\n").unwrap();
        let lines: Vec<u64> = table.rows().map(|r| r.line).collect();
        assert_eq!(lines, vec![2, 4]);
        let table = CsvTable::parse(Path::new("t.csv"), b"x,y\r1,2\r3,4").unwrap();
        let lines: Vec<u64> = table.rows().map(|r| r.line).collect();
        assert_eq!(lines, vec![2, 3]);
    }

    /// Headers, cells by row, and lines.
    type Seen = (Vec<String>, Vec<Vec<String>>, Vec<u64>);

    /// The table as every reader of it sees it, or the error's text.
    fn seen(table: Result<CsvTable, ScenarioError>) -> Result<Seen, String> {
        let t = table.map_err(|e| e.to_string())?;
        let cells = t
            .rows()
            .map(|r| {
                (0..t.headers().len())
                    .map(|c| r.text(c).to_string())
                    .collect()
            })
            .collect();
        let lines = t.rows().map(|r| r.line).collect();
        Ok((t.headers().to_vec(), cells, lines))
    }

    #[test]
    fn files_without_quotes_split_by_hand_read_as_the_csv_reader_reads_them() {
        use rand::{RngExt, SeedableRng, rngs::ChaCha8Rng};
        let path = Path::new("t.csv");
        let fixed: [&[u8]; 8] = [
            b"x,y\r\n1,2\r\n\r\n3,4\r\n",
            b"x,y\r1,2\r3,4",
            "\n\n x , y \n a ,\u{a0}b\u{a0}\n,\n , \n\r\n\rc,d".as_bytes(),
            b"x,y\n1,2,3\n",
            b"x,y\n1\n",
            b"x\n \n\n2\n",
            b"x,y",
            b"x,y\n\"a,b\",c\n",
        ];
        for bytes in fixed {
            let reader = seen(CsvTable::parse_with(path, Cow::Borrowed(bytes), false));
            let shown = String::from_utf8_lossy(bytes);
            assert_eq!(seen(CsvTable::parse(path, bytes)), reader, "{shown:?}");
            assert_eq!(
                seen(CsvTable::parse_owned(path, bytes.to_vec())),
                reader,
                "{shown:?}"
            );
        }
        // Random files, some over the size split in two halves, some with rows of the
        // wrong width (the reader's error then).
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let pieces = [
            "a", "B7", " ", "\u{a0}", "é", ",", "\n", "\r\n", "\r", "", "12.5",
        ];
        for case in 0..40 {
            let rows = if case % 8 == 0 { 150_000 } else { 40 };
            let ragged = case % 3 == 0;
            let mut text = String::from("p, e ,v\n");
            for _ in 0..rows {
                let cells = if ragged && rng.random_range(0..rows) == 0 {
                    2
                } else {
                    3
                };
                for c in 0..cells {
                    if c > 0 {
                        text.push(',');
                    }
                    for _ in 0..rng.random_range(0..4) {
                        let piece = pieces[rng.random_range(0..pieces.len())];
                        if !matches!(piece, "," | "\n" | "\r\n" | "\r") {
                            text.push_str(piece);
                        }
                    }
                }
                text.push_str(["\n", "\r\n", "\r", "\n\n", "\r\n\r\n"][rng.random_range(0..5)]);
            }
            let bytes = text.as_bytes();
            assert!(
                case % 8 != 0 || bytes.len() > PLAIN_SPLIT,
                "case {case} is not split"
            );
            let (fast, reader) = (
                seen(CsvTable::parse(path, bytes)),
                seen(CsvTable::parse_with(path, Cow::Borrowed(bytes), false)),
            );
            assert!(fast.is_ok() || ragged, "case {case}: {fast:?}");
            assert_eq!(fast, reader, "case {case}");
            // Handed over, the same bytes are parsed in place with the same result.
            assert_eq!(
                seen(CsvTable::parse_owned(path, bytes.to_vec())),
                reader,
                "case {case}"
            );
        }
    }

    #[test]
    fn the_walking_line_lookup_agrees_with_the_search_in_any_order() {
        let text = b"ab\n\ncd\r\nef\rg\n\n";
        let idx = LineIndex::new(text);
        let cursor = std::cell::Cell::new(0);
        let offsets: Vec<usize> = (0..text.len()).chain((0..text.len()).rev()).collect();
        for o in offsets.into_iter().chain([3, 9, 1, 12, 0]) {
            assert_eq!(idx.line_of_after(o, &cursor), idx.line_of(o), "offset {o}");
        }
    }

    #[test]
    fn duplicate_headers_and_non_utf8_are_refused() {
        let e = CsvTable::parse(Path::new("t.csv"), b"a,b,a\n1,2,3\n")
            .err()
            .unwrap();
        assert!(e.to_string().starts_with("t.csv:1: column `a`"), "{e}");
        // Two unnamed columns (trailing commas) are not a duplicate.
        assert!(CsvTable::parse(Path::new("t.csv"), b"a,,\n1,,\n").is_ok());
        let e = CsvTable::parse(Path::new("t.csv"), b"a\n1\n\xe9\n")
            .err()
            .unwrap();
        assert!(e.to_string().starts_with("t.csv:3:"), "{e}");
    }

    #[test]
    fn names_must_be_one_line_of_printable_text() {
        assert!(control_char_problem("Côte d'Ivoire").is_none());
        assert!(
            control_char_problem("Viet\nnam")
                .unwrap()
                .contains("line break after \"Viet\"")
        );
        assert!(control_char_problem("a\tb").unwrap().contains("a tab"));
        assert!(control_char_problem("x\u{7}").unwrap().contains("U+0007"));
        assert_eq!(
            fraction_fix(0.07, " points").as_deref(),
            Some("write 7 for 7 points")
        );
        assert_eq!(fraction_fix(-0.0001, " points"), None);
    }

    #[test]
    fn numbers_in_messages_are_short() {
        assert_eq!(fmt_num(0.07 * 100.0), "7");
        assert_eq!(fmt_num(1e308), "1e308");
        assert_eq!(fmt_num(-1e-300), "-1e-300");
        assert_eq!(fmt_num(-0.0), "0");
        assert_eq!(fmt_num(1.5), "1.5");
        assert_eq!(fmt_num(123456.75), "123456.75");
    }

    #[test]
    fn suggests_the_closest_name_for_a_typo() {
        let known = vec![
            "Pakistan".to_string(),
            "Vietnam".to_string(),
            "India".to_string(),
        ];
        let m = unknown_name("exporter", "Pakistn", &known);
        assert!(m.contains("did you mean 'Pakistan'?"), "{m}");
        assert!(unknown_name("exporter", "Viet Nam", &known).contains("did you mean 'Vietnam'?"));
        assert!(!unknown_name("exporter", "Narnia", &known).contains("did you mean"));
        assert!(unknown_name("country", "X", &known).contains("countries found"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
