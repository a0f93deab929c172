//! The statistical division file: districts, streets (街道/乡镇) and communities (社区/村).
//!
//! Header `level,code,name,parent_code` (Chinese aliases accepted). Codes follow the
//! statistical scheme: district 6 digits, street 9 (its district's 6 + 3), community 12
//! (its street's 9 + 3). Zero-padded 12-digit codes of the national list
//! (`150302000000`, `150302001000`) are shortened to these forms.

use foldhash::{HashMap, HashMapExt, HashSet};

use jiceng_core::Text;
use serde::{Deserialize, Serialize};

use crate::report::{ImportReport, RowError};
use crate::table::{ColumnSpec, cell, read_table, resolve_columns};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DivisionLevel {
    District,
    Street,
    Community,
}

impl DivisionLevel {
    /// Reads a level: `district|street|community` or 区县/区/县/街道/乡镇/乡/镇/社区/村.
    pub fn from_label(label: &str) -> Option<DivisionLevel> {
        match label.trim().to_ascii_lowercase().as_str() {
            "district" | "区县" | "区" | "县" | "县区" => Some(DivisionLevel::District),
            "street" | "街道" | "乡镇" | "乡" | "镇" | "苏木" => {
                Some(DivisionLevel::Street)
            }
            "community" | "社区" | "村" | "嘎查" | "村居" => Some(DivisionLevel::Community),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DivisionLevel::District => "district",
            DivisionLevel::Street => "street",
            DivisionLevel::Community => "community",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            DivisionLevel::District => "区县",
            DivisionLevel::Street => "街道/乡镇",
            DivisionLevel::Community => "社区/村",
        }
    }

    /// Number of digits of a code at this level.
    pub fn code_len(self) -> usize {
        match self {
            DivisionLevel::District => 6,
            DivisionLevel::Street => 9,
            DivisionLevel::Community => 12,
        }
    }

    /// The level of the parent, if the parent is itself a division of this file.
    pub fn parent(self) -> Option<DivisionLevel> {
        match self {
            DivisionLevel::District => None,
            DivisionLevel::Street => Some(DivisionLevel::District),
            DivisionLevel::Community => Some(DivisionLevel::Street),
        }
    }
}

/// One valid row of the division file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DivisionRow {
    pub line: usize,
    pub level: DivisionLevel,
    pub code: String,
    pub name: String,
    pub parent_code: String,
}

const COLUMNS: [ColumnSpec; 4] = [
    ColumnSpec {
        name: "level",
        aliases: &["层级", "级别", "类型"],
        required: true,
    },
    ColumnSpec {
        name: "code",
        aliases: &["代码", "区划代码", "统计用区划代码", "编码"],
        required: true,
    },
    ColumnSpec {
        name: "name",
        aliases: &["名称", "区划名称"],
        required: true,
    },
    ColumnSpec {
        name: "parent_code",
        aliases: &["上级代码", "上级区划代码", "父级代码"],
        required: true,
    },
];

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Shortens a zero-padded 12-digit code to `len` digits when the padding is all zeros.
fn unpad(code: &str, len: usize) -> &str {
    if code.len() == 12 && len < 12 && all_digits(code) && code[len..].bytes().all(|b| b == b'0') {
        &code[..len]
    } else {
        code
    }
}

/// Shortens a prefecture code (`150300`, `150300000000`) to its 4 digits.
fn unpad_prefecture(code: &str) -> &str {
    if (code.len() == 6 || code.len() == 12)
        && all_digits(code)
        && code[4..].bytes().all(|b| b == b'0')
    {
        &code[..4]
    } else {
        code
    }
}

/// Parses and validates the division file; any error fails the whole import.
pub fn parse_divisions(file_name: &str, bytes: &[u8]) -> Result<Vec<DivisionRow>, ImportReport> {
    let (rows, report) = parse_divisions_lenient(file_name, bytes);
    if report.is_ok() {
        Ok(rows)
    } else {
        Err(report)
    }
}

/// Parses the division file, keeping the valid rows and reporting the others.
pub fn parse_divisions_lenient(file_name: &str, bytes: &[u8]) -> (Vec<DivisionRow>, ImportReport) {
    let table = match read_table(file_name, bytes) {
        Ok(t) => t,
        Err(message) => return (Vec::new(), ImportReport::file_error(message)),
    };
    let mut report = ImportReport::new(table.rows.len());
    let cols = match resolve_columns(&table, &COLUMNS) {
        Ok(cols) => cols,
        Err(errors) => {
            report.errors = errors;
            return (Vec::new(), report);
        }
    };
    let [Some(c_level), Some(c_code), Some(c_name), Some(c_parent)] = cols[..] else {
        return (Vec::new(), report);
    };

    // Pass 1: each row on its own.
    let mut candidates: Vec<(DivisionRow, bool, Option<DivisionLevel>)> =
        Vec::with_capacity(table.rows.len());
    for mut row in table.rows {
        let line = row.line;
        let mut ok = true;
        let mut fail = |e: RowError| {
            ok = false;
            report.push(e);
        };
        // Table cells are already trimmed; the name is moved out, not copied.
        let name = row
            .cells
            .get_mut(c_name)
            .map(std::mem::take)
            .unwrap_or_default();
        let raw_level = cell(&row, c_level);
        let raw_code = cell(&row, c_code).unwrap_or("");
        let raw_parent = cell(&row, c_parent).unwrap_or("");

        let level = match raw_level {
            None => {
                fail(RowError::column(
                    line,
                    "level",
                    Text::new("层级不能为空", "Level is empty"),
                ));
                None
            }
            Some(l) => {
                let level = DivisionLevel::from_label(l);
                if level.is_none() {
                    fail(RowError::cell(
                        line,
                        "level",
                        l,
                        Text::new(
                            format!(
                                "未知层级“{l}”，应为 district/street/community 或 区县/街道/乡镇/社区/村"
                            ),
                            format!("Unknown level \"{l}\": use district, street or community"),
                        ),
                    ));
                }
                level
            }
        };
        if name.is_empty() {
            fail(RowError::column(
                line,
                "name",
                Text::new("名称不能为空", "Name is empty"),
            ));
        }
        let mut code = raw_code;
        let mut parent = raw_parent;
        if raw_code.is_empty() {
            fail(RowError::column(
                line,
                "code",
                Text::new("代码不能为空", "Code is empty"),
            ));
        } else if let Some(level) = level {
            let len = level.code_len();
            code = unpad(raw_code, len);
            if code.len() != len || !all_digits(code) {
                fail(RowError::cell(
                    line,
                    "code",
                    raw_code,
                    Text::new(
                        format!("{}代码应为{len}位数字", level.label_zh()),
                        format!("A {} code must have {len} digits", level.as_str()),
                    ),
                ));
            } else {
                match level.parent() {
                    None => {
                        parent = unpad_prefecture(raw_parent);
                        if !parent.is_empty() && (parent.len() != 4 || !code.starts_with(parent)) {
                            fail(RowError::cell(
                                line,
                                "parent_code",
                                raw_parent,
                                Text::new(
                                    "区县的上级代码应为其代码前4位（地级市代码）",
                                    "A district's parent code must be the first 4 digits of its code (the prefecture)",
                                ),
                            ));
                        }
                    }
                    Some(parent_level) => {
                        let plen = parent_level.code_len();
                        parent = unpad(raw_parent, plen);
                        if parent.is_empty() {
                            fail(RowError::column(
                                line,
                                "parent_code",
                                Text::new("上级代码不能为空", "Parent code is empty"),
                            ));
                        } else if parent.len() != plen || !all_digits(parent) {
                            fail(RowError::cell(
                                line,
                                "parent_code",
                                raw_parent,
                                Text::new(
                                    format!("{}的上级代码应为{plen}位数字", level.label_zh()),
                                    format!(
                                        "The parent code of a {} must have {plen} digits",
                                        level.as_str()
                                    ),
                                ),
                            ));
                        } else if !code.starts_with(parent) {
                            fail(RowError::cell(
                                line,
                                "code",
                                raw_code,
                                Text::new(
                                    format!("代码 {code} 应以上级代码 {parent} 开头"),
                                    format!("Code {code} must start with its parent code {parent}"),
                                ),
                            ));
                        }
                    }
                }
            }
        }
        candidates.push((
            DivisionRow {
                line,
                level: level.unwrap_or(DivisionLevel::District),
                code: code.to_string(),
                name,
                parent_code: parent.to_string(),
            },
            ok && level.is_some(),
            level,
        ));
    }

    // Pass 2: duplicates and the levels of parents found in the file.
    // The level a row declares counts even if its code is malformed: a child whose parent
    // is declared at the wrong level is told so.
    let mut first_line: HashMap<&str, (usize, Option<DivisionLevel>)> =
        HashMap::with_capacity(candidates.len());
    let mut duplicates = Vec::new();
    for (i, (row, _, level)) in candidates.iter().enumerate() {
        if row.code.is_empty() {
            continue;
        }
        match first_line.get(row.code.as_str()) {
            Some(&(first, _)) => duplicates.push((i, first)),
            None => {
                first_line.insert(row.code.as_str(), (row.line, *level));
            }
        }
    }
    let mut wrong_parent = Vec::new();
    for (i, (row, ok, _)) in candidates.iter().enumerate() {
        if !ok {
            continue;
        }
        if let Some(expected) = row.level.parent()
            && let Some(&(_, Some(found))) = first_line.get(row.parent_code.as_str())
            && found != expected
        {
            wrong_parent.push((i, expected, found));
        }
    }
    for (i, first) in duplicates {
        let (row, ok, _) = &mut candidates[i];
        *ok = false;
        report.push(RowError::cell(
            row.line,
            "code",
            &row.code,
            Text::new(
                format!("代码 {} 与第 {first} 行重复", row.code),
                format!("Code {} duplicates line {first}", row.code),
            ),
        ));
    }
    for (i, expected, found) in wrong_parent {
        let (row, ok, _) = &mut candidates[i];
        *ok = false;
        report.push(RowError::cell(
            row.line,
            "parent_code",
            &row.parent_code,
            Text::new(
                format!(
                    "上级 {} 在文件中是{}，应为{}",
                    row.parent_code,
                    found.label_zh(),
                    expected.label_zh()
                ),
                format!(
                    "Parent {} is a {} in this file, expected a {}",
                    row.parent_code,
                    found.as_str(),
                    expected.as_str()
                ),
            ),
        ));
    }
    report.sort();
    let rows = candidates
        .into_iter()
        .filter_map(|(row, ok, _)| ok.then_some(row))
        .collect();
    (rows, report)
}

/// Street and community rows whose parent is not in `rows`: `(line, parent_code)`.
/// The caller checks these against the divisions already stored.
pub fn missing_parents(rows: &[DivisionRow]) -> Vec<(usize, String)> {
    let codes: HashSet<&str> = rows.iter().map(|r| r.code.as_str()).collect();
    rows.iter()
        .filter(|r| r.level != DivisionLevel::District && !codes.contains(r.parent_code.as_str()))
        .map(|r| (r.line, r.parent_code.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const GOOD: &str = "level,code,name,parent_code
district,150302,海勃湾区,1503
street,150302001,凤凰岭街道,150302
community,150302001002,和平社区居委会,150302001
";

    fn errors_of(csv: &str) -> ImportReport {
        parse_divisions("d.csv", csv.as_bytes()).unwrap_err()
    }

    #[test]
    fn parses_the_example() {
        let rows = parse_divisions("d.csv", GOOD.as_bytes()).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].level, DivisionLevel::District);
        assert_eq!(rows[0].parent_code, "1503");
        assert_eq!(rows[2].line, 4);
        assert_eq!(rows[2].name, "和平社区居委会");
        assert!(missing_parents(&rows).is_empty());
    }

    #[test]
    fn accepts_chinese_headers_levels_and_gbk() {
        let csv = "层级,代码,名称,上级代码\n区县,150302,海勃湾区,1503\n乡镇,150302101,千里山镇,150302\n村,150302101203,新地村委会,150302101\n街道,150302001,凤凰岭街道,150302\n社区,150302001002,和平社区居委会,150302001\n";
        let (bytes, _, _) = encoding_rs::GBK.encode(csv);
        let rows = parse_divisions("d.csv", &bytes).unwrap();
        let levels: Vec<_> = rows.iter().map(|r| r.level).collect();
        assert_eq!(
            levels,
            vec![
                DivisionLevel::District,
                DivisionLevel::Street,
                DivisionLevel::Community,
                DivisionLevel::Street,
                DivisionLevel::Community
            ]
        );
        assert_eq!(rows[2].name, "新地村委会");
    }

    #[test]
    fn shortens_zero_padded_national_codes() {
        let csv = "level,code,name,parent_code\ndistrict,150302000000,海勃湾区,150300000000\nstreet,150302001000,凤凰岭街道,150302000000\ncommunity,150302001002,和平社区,150302001000\n";
        let rows = parse_divisions("d.csv", csv.as_bytes()).unwrap();
        assert_eq!(rows[0].code, "150302");
        assert_eq!(rows[0].parent_code, "1503");
        assert_eq!(rows[1].code, "150302001");
        assert_eq!(rows[2].parent_code, "150302001");
    }

    #[test]
    fn missing_column_is_named() {
        let r = errors_of("level,code,name\ndistrict,150302,海勃湾区\n");
        assert_eq!(r.errors.len(), 1);
        assert_eq!(r.errors[0].line, 0);
        assert_eq!(r.errors[0].column.as_deref(), Some("parent_code"));
        assert!(r.errors[0].message.en.contains("parent_code"));
    }

    #[test]
    fn unknown_level_is_reported_on_its_line() {
        let r = errors_of(&format!("{GOOD}province,150000,内蒙古,\n"));
        assert_eq!(r.errors.len(), 1);
        assert_eq!(r.errors[0].line, 5);
        assert_eq!(r.errors[0].column.as_deref(), Some("level"));
        assert_eq!(r.errors[0].value.as_deref(), Some("province"));
    }

    #[test]
    fn duplicate_code_names_the_first_line() {
        let r = errors_of(&format!("{GOOD}community,150302001002,又一个,150302001\n"));
        assert_eq!(r.errors.len(), 1);
        assert_eq!(r.errors[0].line, 5);
        assert!(r.errors[0].message.en.contains("line 4"));
    }

    #[test]
    fn code_shapes_are_checked() {
        let r = errors_of(
            "level,code,name,parent_code
district,15030,短,1503
street,150303001,错上级,150302
community,15030200100A,字母,150302001
community,150302001003,,150302001
street,150302002,空上级,
district,150302,海勃湾区,1504
",
        );
        let got: Vec<(usize, Option<&str>)> = r
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (2, Some("code")),
                (3, Some("code")),
                (4, Some("code")),
                (5, Some("name")),
                (6, Some("parent_code")),
                (7, Some("parent_code")),
            ]
        );
        assert_eq!(r.total_rows, 6);
    }

    #[test]
    fn parent_of_the_wrong_level_in_the_file_is_refused() {
        // 150302 is declared a community (and its code is refused on line 2); the street
        // under it is told its parent has the wrong level.
        let csv = "level,code,name,parent_code\ncommunity,150302,误标,1503\nstreet,150302001,街道,150302\n";
        let r = errors_of(csv);
        let got: Vec<(usize, Option<&str>)> = r
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_deref()))
            .collect();
        assert_eq!(got, vec![(2, Some("code")), (3, Some("parent_code"))]);
        assert!(r.errors[1].message.en.contains("expected a district"));
    }

    #[test]
    fn missing_parents_are_listed_not_refused() {
        let csv = "level,code,name,parent_code\ncommunity,150302001002,和平社区,150302001\nstreet,150302009,新街道,150302\n";
        let rows = parse_divisions("d.csv", csv.as_bytes()).unwrap();
        assert_eq!(
            missing_parents(&rows),
            vec![(2, "150302001".to_string()), (3, "150302".to_string())]
        );
    }

    #[test]
    fn lenient_keeps_good_rows() {
        let (rows, report) =
            parse_divisions_lenient("d.csv", format!("{GOOD}county,1,x,\n").as_bytes());
        assert_eq!(rows.len(), 3);
        assert_eq!(report.total_rows, 4);
        assert_eq!(report.error_lines(), vec![5]);
    }

    #[test]
    fn xlsx_round_trip() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (r, line) in GOOD.lines().enumerate() {
            for (c, v) in line.split(',').enumerate() {
                let (r, c) = (r as u32, c as u16);
                // Codes as numbers, as Excel users type them.
                if r > 0 && c != 2 && c != 0 {
                    ws.write_number(r, c, v.parse::<f64>().unwrap()).unwrap();
                } else {
                    ws.write_string(r, c, v).unwrap();
                }
            }
        }
        let buf = wb.save_to_buffer().unwrap();
        let from_xlsx = parse_divisions("d.xlsx", &buf).unwrap();
        let from_csv = parse_divisions("d.csv", GOOD.as_bytes()).unwrap();
        assert_eq!(from_xlsx, from_csv);
    }

    #[test]
    fn real_haibowan_file() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/haibowan-divisions.csv"
        );
        let Ok(bytes) = std::fs::read(path) else {
            eprintln!("skipping: {path} not found");
            return;
        };
        let rows = parse_divisions("haibowan-divisions.csv", &bytes).unwrap();
        assert!(rows.len() >= 50, "{} rows", rows.len());
        assert_eq!(
            rows.iter()
                .filter(|r| r.level == DivisionLevel::District)
                .count(),
            1
        );
        assert!(missing_parents(&rows).is_empty());
        assert!(rows.iter().any(|r| r.name == "新地村委会"));
    }

    /// National scale (~665k rows). Run with
    /// `cargo test -p jiceng-formats --release -- --ignored national_scale`.
    #[test]
    #[ignore]
    fn national_scale_under_a_second() {
        let mut csv = String::from("level,code,name,parent_code\n");
        for d in 0..2900 {
            csv.push_str(&format!("district,15{d:04},区{d},15{:02}\n", d / 100));
            for s in 0..17 {
                csv.push_str(&format!("street,15{d:04}{s:03},街道{s},15{d:04}\n"));
                for c in 0..12 {
                    csv.push_str(&format!(
                        "community,15{d:04}{s:03}{c:03},社区{c}居委会,15{d:04}{s:03}\n"
                    ));
                }
            }
        }
        let start = std::time::Instant::now();
        let rows = parse_divisions("national.csv", csv.as_bytes()).unwrap();
        let missing = missing_parents(&rows);
        let elapsed = start.elapsed();
        eprintln!("{} rows in {elapsed:?}", rows.len());
        assert!(rows.len() > 600_000);
        assert!(missing.is_empty());
        assert!(elapsed.as_millis() < 1000, "{elapsed:?}");
    }

    #[test]
    fn large_file_is_linear() {
        let mut csv = String::from("level,code,name,parent_code\ndistrict,150302,区,1503\n");
        for s in 0..300 {
            csv.push_str(&format!("street,150302{s:03},街道{s},150302\n"));
            for c in 0..200 {
                csv.push_str(&format!(
                    "community,150302{s:03}{c:03},社区{c},150302{s:03}\n"
                ));
            }
        }
        let start = std::time::Instant::now();
        let rows = parse_divisions("big.csv", csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 1 + 300 + 300 * 200);
        assert!(missing_parents(&rows).is_empty());
        // Generous bound for debug builds; release is far faster.
        assert!(start.elapsed().as_secs() < 10);
    }
}
