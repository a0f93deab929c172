//! The outcome of an import: how many rows were read and what was wrong with which.

use jiceng_core::Text;
use serde::Serialize;

/// One problem in an imported file. `line` 0 means the whole file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: usize,
    pub column: Option<String>,
    pub value: Option<String>,
    pub message: Text,
}

impl RowError {
    /// A problem with the file as a whole (line 0).
    pub fn file(message: Text) -> Self {
        RowError {
            line: 0,
            column: None,
            value: None,
            message,
        }
    }

    /// A problem with a row, not tied to a column.
    pub fn row(line: usize, message: Text) -> Self {
        RowError {
            line,
            column: None,
            value: None,
            message,
        }
    }

    /// A problem with a column (for example a missing column, or an empty cell).
    pub fn column(line: usize, column: &str, message: Text) -> Self {
        RowError {
            line,
            column: Some(column.to_string()),
            value: None,
            message,
        }
    }

    /// A problem with the value of one cell.
    pub fn cell(line: usize, column: &str, value: &str, message: Text) -> Self {
        RowError {
            line,
            column: Some(column.to_string()),
            value: Some(value.to_string()),
            message,
        }
    }
}

/// The report of an import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub total_rows: usize,
    pub errors: Vec<RowError>,
}

impl ImportReport {
    pub fn new(total_rows: usize) -> Self {
        ImportReport {
            total_rows,
            errors: Vec::new(),
        }
    }

    /// A report holding a single whole-file error.
    pub fn file_error(message: Text) -> Self {
        ImportReport {
            total_rows: 0,
            errors: vec![RowError::file(message)],
        }
    }

    pub fn push(&mut self, error: RowError) {
        self.errors.push(error);
    }

    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// The distinct lines that have at least one error, in order.
    pub fn error_lines(&self) -> Vec<usize> {
        let mut lines: Vec<usize> = self.errors.iter().map(|e| e.line).collect();
        lines.sort_unstable();
        lines.dedup();
        lines
    }

    /// Orders the errors by line (stable: errors of one line keep their order).
    pub fn sort(&mut self) {
        self.errors.sort_by_key(|e| e.line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_serialises_and_knows_when_ok() {
        let mut r = ImportReport::new(3);
        assert!(r.is_ok());
        r.push(RowError::cell(3, "code", "12", Text::new("错", "wrong")));
        r.push(RowError::file(Text::new("坏", "bad")));
        r.sort();
        assert!(!r.is_ok());
        assert_eq!(r.error_lines(), vec![0, 3]);
        let json = serde_json::to_value(&r).unwrap_or_default();
        assert_eq!(json["errors"][1]["column"], "code");
        assert_eq!(json["errors"][1]["message"]["en"], "wrong");
        assert_eq!(json["total_rows"], 3);
    }
}
