//! Source files and line/column conversion.
//!
//! Lines and columns are 1-based everywhere outside the LSP. Columns count
//! Unicode scalar values (DESIGN.md §3); the LSP asks for UTF-16 or UTF-8
//! code units instead, so the index converts to all three.

/// Index of a file in a [`Files`] set.
pub type FileId = usize;

/// A file: its name as given on the command line, its text and line index.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path as given (used verbatim in every output format).
    pub name: String,
    /// The text.
    pub text: String,
    /// Line starts.
    pub index: LineIndex,
}

/// The files of one run.
#[derive(Clone, Debug, Default)]
pub struct Files {
    files: Vec<SourceFile>,
}

impl Files {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let text = text.into();
        let index = LineIndex::new(&text);
        self.files.push(SourceFile {
            name: name.into(),
            text,
            index,
        });
        self.files.len() - 1
    }

    /// The file with this id.
    ///
    /// Ids only come from [`Files::add`] on the same set, so a missing id is
    /// a bug in gwc, not bad input.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id]
    }

    /// All files, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate()
    }

    /// How many files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LineCol {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in Unicode scalar values.
    pub column: usize,
}

/// The byte offsets where lines start.
#[derive(Clone, Debug, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`. A line ends at `\n` (a `\r` before it belongs to the
    /// line's text, which is what editors do for columns).
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    /// The 0-based line holding `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// The byte offset where 0-based `line` starts.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line).copied()
    }

    /// The number of lines.
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 1-based line and column (in chars) of `offset` in `text`.
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = clamp_to_char_boundary(text, offset);
        let line = self.line_of(offset);
        let start = self.starts[line];
        LineCol {
            line: line + 1,
            column: text[start..offset].chars().count() + 1,
        }
    }

    /// 0-based line and column in UTF-16 code units (the LSP default).
    pub fn utf16(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = clamp_to_char_boundary(text, offset);
        let line = self.line_of(offset);
        let col: usize = text[self.starts[line]..offset]
            .chars()
            .map(char::len_utf16)
            .sum();
        (line as u32, col as u32)
    }

    /// 0-based line and column in bytes (LSP `utf-8`).
    pub fn utf8(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = clamp_to_char_boundary(text, offset);
        let line = self.line_of(offset);
        (line as u32, (offset - self.starts[line]) as u32)
    }

    /// 0-based line and column in chars (LSP `utf-32`).
    pub fn utf32(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = clamp_to_char_boundary(text, offset);
        let line = self.line_of(offset);
        (
            line as u32,
            text[self.starts[line]..offset].chars().count() as u32,
        )
    }

    /// The byte offset of a 0-based line and a column counted by
    /// `units_of(char)` (1 for UTF-32, `len_utf16`, `len_utf8`); clamped to
    /// the end of the line.
    pub fn offset(
        &self,
        text: &str,
        line: u32,
        col: u32,
        units_of: impl Fn(char) -> usize,
    ) -> usize {
        let Some(&start) = self.starts.get(line as usize) else {
            return text.len();
        };
        let end = self
            .starts
            .get(line as usize + 1)
            .map_or(text.len(), |&e| e);
        let mut units = 0usize;
        for (i, c) in text[start..end].char_indices() {
            if units >= col as usize || c == '\n' {
                return start + i;
            }
            units += units_of(c);
        }
        end
    }
}

fn clamp_to_char_boundary(text: &str, offset: usize) -> usize {
    let mut o = offset.min(text.len());
    while !text.is_char_boundary(o) {
        o -= 1;
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_in_every_unit() {
        let text = "ab\n\"é😀\": 1\n";
        let idx = LineIndex::new(text);
        let colon = text.find(':').expect("colon");
        assert_eq!(idx.line_col(text, colon), LineCol { line: 2, column: 5 });
        assert_eq!(idx.utf16(text, colon), (1, 5));
        assert_eq!(idx.utf8(text, colon), (1, 8));
        assert_eq!(idx.utf32(text, colon), (1, 4));
        assert_eq!(idx.offset(text, 1, 5, char::len_utf16), colon);
        assert_eq!(idx.offset(text, 1, 99, char::len_utf16), text.len() - 1);
        assert_eq!(idx.offset(text, 9, 0, char::len_utf16), text.len());
    }
}
