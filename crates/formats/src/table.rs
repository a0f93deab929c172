//! A generic sheet: CSV/TXT (UTF-8, GBK or UTF-16) or the first worksheet of an xlsx/xls.

use std::io::Cursor;

use calamine::{Data, Reader, Xls, Xlsx, open_workbook_from_rs};
use jiceng_core::Text;

use crate::text::decode_bytes;

/// One data row, cells trimmed. `line` is the 1-based line (CSV) or row (sheet) number in the file;
/// the header is normally line 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: usize,
    pub cells: Vec<String>,
}

/// A sheet with a header row. Fully empty rows are skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

impl Table {
    /// The index of a column by exact (trimmed, case-insensitive) header name.
    pub fn column_index(&self, column: &str) -> Option<usize> {
        let column = column.trim();
        self.headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(column))
    }

    /// The index of the first column matching any of `names` (a canonical name and aliases).
    pub fn find_column(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| self.column_index(n))
    }

    /// The trimmed value of a cell by column name; empty or absent → `None`.
    pub fn get<'a>(&self, row: &'a Row, column: &str) -> Option<&'a str> {
        cell(row, self.column_index(column)?)
    }
}

/// The trimmed value of a cell by column index; empty or absent → `None`.
pub fn cell(row: &Row, index: usize) -> Option<&str> {
    row.cells
        .get(index)
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
}

/// A column an importer expects: its canonical (English) name, its accepted aliases
/// (Chinese headers), and whether the file must have it.
pub(crate) struct ColumnSpec {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
}

/// Finds each expected column; missing required columns are whole-file errors (line 0)
/// naming the column.
pub(crate) fn resolve_columns(
    table: &Table,
    specs: &[ColumnSpec],
) -> Result<Vec<Option<usize>>, Vec<crate::report::RowError>> {
    let mut found = Vec::with_capacity(specs.len());
    let mut errors = Vec::new();
    for spec in specs {
        let index = table
            .column_index(spec.name)
            .or_else(|| table.find_column(spec.aliases));
        if index.is_none() && spec.required {
            let zh_alias = spec.aliases.first().copied().unwrap_or(spec.name);
            errors.push(crate::report::RowError::column(
                0,
                spec.name,
                Text::new(
                    format!("缺少列：{}（{}）", spec.name, zh_alias),
                    format!("Missing column: {}", spec.name),
                ),
            ));
        }
        found.push(index);
    }
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(errors)
    }
}

fn extension(file_name: &str) -> String {
    file_name
        .rsplit_once('.')
        .map(|(_, ext)| ext.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Reads a sheet by the file's extension: `.csv`/`.txt` (comma, or tab when the header
/// has tabs and no commas), `.xlsx`/`.xlsm`/`.xls` (first worksheet).
pub fn read_table(file_name: &str, bytes: &[u8]) -> Result<Table, Text> {
    let raw = match extension(file_name).as_str() {
        "csv" | "txt" | "tsv" => read_csv(&decode_bytes(bytes)?)?,
        "xlsx" | "xlsm" => read_xlsx(bytes)?,
        "xls" => read_xls(bytes)?,
        _ => {
            return Err(Text::new(
                "不支持的文件类型，请上传 CSV 或 Excel（.xlsx）文件",
                "Unsupported file type: upload a CSV or Excel (.xlsx) file",
            ));
        }
    };
    build_table(raw)
}

fn build_table(raw: Vec<Row>) -> Result<Table, Text> {
    let mut rows = raw
        .into_iter()
        .filter(|r| r.cells.iter().any(|c| !c.trim().is_empty()));
    let header = rows
        .next()
        .ok_or_else(|| Text::new("文件为空，缺少表头行", "The file is empty: no header row"))?;
    let headers = header
        .cells
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    Ok(Table {
        headers,
        rows: rows.collect(),
    })
}

/// Large files without quotes (every line break ends a record) are read in two halves
/// on two threads; others in one pass.
fn read_csv(text: &str) -> Result<Vec<Row>, Text> {
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.contains('\t') && !first_line.contains(',') {
        b'\t'
    } else {
        b','
    };
    const SPLIT_ABOVE: usize = 4 << 20;
    if text.len() > SPLIT_ABOVE && !text.contains('"') {
        let middle = text.len() / 2;
        if let Some(nl) = text.as_bytes()[middle..].iter().position(|b| *b == b'\n') {
            let (head, tail) = text.split_at(middle + nl + 1);
            let offset = head.bytes().filter(|b| *b == b'\n').count();
            let (first, second) = std::thread::scope(|s| {
                let second = s.spawn(|| read_csv_part(tail, delimiter, offset));
                let first = read_csv_part(head, delimiter, 0);
                (first, second.join())
            });
            let mut rows = first?;
            rows.extend(
                second.map_err(|_| {
                    Text::new("读取 CSV 文件时出错", "Reading the CSV file failed")
                })??,
            );
            return Ok(rows);
        }
    }
    read_csv_part(text, delimiter, 0)
}

/// Reads `text` as CSV records; `offset` lines come before it in the file.
fn read_csv_part(text: &str, delimiter: u8, offset: usize) -> Result<Vec<Row>, Text> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {
                let line = offset
                    + record
                        .position()
                        .map(|p| p.line() as usize)
                        .unwrap_or(rows.len() + 1);
                rows.push(Row {
                    line,
                    // Trimmed here: csv's own trimming reallocates every record.
                    cells: record.iter().map(|f| f.trim().to_string()).collect(),
                });
            }
            Ok(false) => break,
            Err(e) => {
                let line = offset as u64 + e.position().map(|p| p.line()).unwrap_or(0);
                return Err(Text::new(
                    format!("CSV 格式错误（第 {line} 行）：{e}"),
                    format!("Malformed CSV (line {line}): {e}"),
                ));
            }
        }
    }
    Ok(rows)
}

fn workbook_error(e: impl std::fmt::Display) -> Text {
    Text::new(
        format!("无法读取 Excel 文件：{e}"),
        format!("Cannot read the Excel file: {e}"),
    )
}

fn no_sheet() -> Text {
    Text::new("Excel 文件中没有工作表", "The Excel file has no worksheet")
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Row>, Text> {
    let mut workbook: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(bytes)).map_err(workbook_error)?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(no_sheet)?
        .map_err(workbook_error)?;
    Ok(range_rows(&range))
}

fn read_xls(bytes: &[u8]) -> Result<Vec<Row>, Text> {
    let mut workbook: Xls<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(workbook_error)?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(no_sheet)?
        .map_err(workbook_error)?;
    Ok(range_rows(&range))
}

fn range_rows(range: &calamine::Range<Data>) -> Vec<Row> {
    let first_row = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    range
        .rows()
        .enumerate()
        .map(|(i, cells)| Row {
            line: first_row + i + 1,
            cells: cells
                .iter()
                .map(|c| {
                    let s = cell_to_string(c);
                    if s.trim().len() == s.len() {
                        s
                    } else {
                        s.trim().to_string()
                    }
                })
                .collect(),
        })
        .collect()
}

/// Renders a sheet cell as text. Integral numbers have no ".0" and no exponent, so codes
/// and numbers typed into number cells come back as typed.
pub fn cell_to_string(data: &Data) -> String {
    match data {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_to_string(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, hh, mm, ss, _) = dt.to_ymd_hms_milli();
            if (hh, mm, ss) == (0, 0, 0) {
                format!("{y:04}-{m:02}-{d:02}")
            } else {
                format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}")
            }
        }
        other => other.to_string(),
    }
}

fn float_to_string(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e19 {
        // Rust's Display never uses an exponent; integral values print without ".0".
        format!("{f:.0}")
    } else {
        f.to_string()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn a_large_file_read_in_two_halves_matches_one_pass() {
        let mut text = String::from("code,name\n");
        let mut n = 0;
        while text.len() <= 5 << 20 {
            n += 1;
            text.push_str(&format!("{n:012},名称{n}\n"));
            if n % 1000 == 0 {
                text.push('\n'); // an empty line now and then
            }
        }
        let split = read_csv(&text).unwrap();
        let whole = read_csv_part(&text, b',', 0).unwrap();
        assert_eq!(split.len(), n + 1);
        assert_eq!(split, whole);
        let last = split.last().unwrap();
        assert_eq!(last.cells, [format!("{n:012}"), format!("名称{n}")]);
        assert_eq!(last.line, text.lines().count() - usize::from(n % 1000 == 0));
    }

    #[test]
    fn reads_csv_with_lines_and_skips_empty_rows() {
        let csv = "\u{feff} a , b \n1, 2\n\n,\n\"x\ny\",3\n4\n";
        let t = read_table("t.CSV", csv.as_bytes()).unwrap();
        assert_eq!(t.headers, vec!["a", "b"]);
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[0].line, 2);
        assert_eq!(t.get(&t.rows[0], "b"), Some("2"));
        assert_eq!(t.rows[1].line, 5);
        assert_eq!(t.get(&t.rows[1], "a"), Some("x\ny"));
        assert_eq!(t.rows[2].line, 7);
        assert_eq!(t.get(&t.rows[2], "b"), None);
        assert_eq!(t.get(&t.rows[2], "zzz"), None);
    }

    #[test]
    fn reads_gbk_csv() {
        let (bytes, _, _) = encoding_rs::GBK.encode("名称,代码\n和平社区,1\n");
        let t = read_table("x.csv", &bytes).unwrap();
        assert_eq!(t.headers, vec!["名称", "代码"]);
        assert_eq!(t.get(&t.rows[0], "名称"), Some("和平社区"));
    }

    #[test]
    fn reads_tab_separated_txt() {
        let t = read_table("x.txt", b"a\tb\n1\t2\n").unwrap();
        assert_eq!(t.get(&t.rows[0], "b"), Some("2"));
    }

    #[test]
    fn refuses_unknown_extension_and_empty_file() {
        assert!(
            read_table("x.pdf", b"a,b")
                .unwrap_err()
                .en
                .contains("Unsupported")
        );
        assert!(
            read_table("x.csv", b"\n\n")
                .unwrap_err()
                .en
                .contains("empty")
        );
        assert!(read_table("x.xlsx", b"not a zip").is_err());
    }

    #[test]
    fn floats_render_like_codes() {
        assert_eq!(float_to_string(150302001002.0), "150302001002");
        assert_eq!(float_to_string(1.5e17), "150000000000000000");
        assert_eq!(float_to_string(2.5), "2.5");
    }

    #[test]
    fn reads_xlsx_built_in_memory() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "code").unwrap();
        ws.write_string(0, 1, "name").unwrap();
        ws.write_number(1, 0, 150302001002.0).unwrap();
        ws.write_string(1, 1, "和平社区居委会").unwrap();
        ws.write_number(3, 0, 7.0).unwrap();
        let buf = wb.save_to_buffer().unwrap();
        let t = read_table("d.xlsx", &buf).unwrap();
        assert_eq!(t.headers, vec!["code", "name"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.get(&t.rows[0], "code"), Some("150302001002"));
        assert_eq!(t.rows[0].line, 2);
        assert_eq!(t.rows[1].line, 4);
        assert_eq!(t.get(&t.rows[1], "code"), Some("7"));
    }
}
