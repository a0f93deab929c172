//! The households/residents import: one row per person, households keyed by
//! grid + estate + building + unit + room.
//!
//! Required columns: `grid_code, estate, building, unit, room, name, id_number`.
//! Required cells: `grid_code, room, name, id_number` (estate, building and unit may be
//! blank: village and bungalow addresses have only a door number).
//! Optional: `phone, ethnicity` (default 汉族), `relation` (default 户主 for the first
//! person of a household that names no head, 其他 for the others), `labels`.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use jiceng_core::Text;
use jiceng_core::idcard::{self, Sex};
use serde::Serialize;

use crate::report::{ImportReport, RowError};
use crate::table::{ColumnSpec, Row, cell, read_table, resolve_columns};

pub const DEFAULT_ETHNICITY: &str = "汉族";
pub const HEAD_OF_HOUSEHOLD: &str = "户主";
pub const OTHER_RELATION: &str = "其他";
pub const MAX_NAME_CHARS: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonRow {
    pub line: usize,
    pub grid_code: String,
    pub estate: String,
    pub building: String,
    pub unit: String,
    pub room: String,
    pub name: String,
    /// Normalised (trimmed, upper-case X).
    pub id_number: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub phone: Option<String>,
    pub ethnicity: String,
    pub relation: String,
    pub labels: Vec<String>,
}

const GRID: usize = 0;
const ESTATE: usize = 1;
const BUILDING: usize = 2;
const UNIT: usize = 3;
const ROOM: usize = 4;
const NAME: usize = 5;
const ID: usize = 6;
const PHONE: usize = 7;
const ETHNICITY: usize = 8;
const RELATION: usize = 9;
const LABELS: usize = 10;

const COLUMNS: [ColumnSpec; 11] = [
    ColumnSpec {
        name: "grid_code",
        aliases: &["网格编码", "网格代码", "网格编号"],
        required: true,
    },
    ColumnSpec {
        name: "estate",
        aliases: &["小区", "小区名称"],
        required: true,
    },
    ColumnSpec {
        name: "building",
        aliases: &["楼栋", "楼号", "楼栋号"],
        required: true,
    },
    ColumnSpec {
        name: "unit",
        aliases: &["单元", "单元号"],
        required: true,
    },
    ColumnSpec {
        name: "room",
        aliases: &["户号", "门牌", "门牌号", "房号"],
        required: true,
    },
    ColumnSpec {
        name: "name",
        aliases: &["姓名"],
        required: true,
    },
    ColumnSpec {
        name: "id_number",
        aliases: &["身份证号", "身份证号码", "公民身份号码"],
        required: true,
    },
    ColumnSpec {
        name: "phone",
        aliases: &["电话", "手机", "联系电话", "手机号", "手机号码"],
        required: false,
    },
    ColumnSpec {
        name: "ethnicity",
        aliases: &["民族"],
        required: false,
    },
    ColumnSpec {
        name: "relation",
        aliases: &["与户主关系", "关系"],
        required: false,
    },
    ColumnSpec {
        name: "labels",
        aliases: &["标签"],
        required: false,
    },
];

/// Checks a phone number: an 11-digit mainland mobile starting with 1, or a landline of
/// digits and '-' (7 to 12 digits, e.g. `0473-1234567`). Spaces are removed.
pub fn normalise_phone(phone: &str) -> Option<String> {
    let p: String = phone.chars().filter(|c| !c.is_whitespace()).collect();
    if p.is_empty()
        || !p.chars().all(|c| c.is_ascii_digit() || c == '-')
        || p.starts_with('-')
        || p.ends_with('-')
        || p.contains("--")
    {
        return None;
    }
    let digits = p.chars().filter(char::is_ascii_digit).count();
    let mobile_like = !p.contains('-') && p.starts_with('1');
    let ok = if mobile_like {
        digits == 11
    } else {
        (7..=12).contains(&digits)
    };
    ok.then_some(p)
}

/// Splits a label cell on 、 , ， ; ； or |, trimming and dropping empty or repeated labels.
pub fn split_labels(cell: &str) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    for label in cell.split(['、', ',', '，', ';', '；', '|']) {
        let label = label.trim();
        if !label.is_empty() && !labels.iter().any(|l| l == label) {
            labels.push(label.to_string());
        }
    }
    labels
}

/// Parses and validates the residents file; any error fails the whole import.
pub fn parse_people(file_name: &str, bytes: &[u8]) -> Result<Vec<PersonRow>, ImportReport> {
    let (rows, report) = parse_people_lenient(file_name, bytes);
    if report.is_ok() {
        Ok(rows)
    } else {
        Err(report)
    }
}

fn get<'a>(cols: &[Option<usize>], row: &'a Row, i: usize) -> Option<&'a str> {
    cols.get(i).copied().flatten().and_then(|c| cell(row, c))
}

type HouseholdKey = (String, String, String, String, String);

/// Parses the residents file, keeping the valid rows and reporting the others.
pub fn parse_people_lenient(file_name: &str, bytes: &[u8]) -> (Vec<PersonRow>, ImportReport) {
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
    let get = |row, i: usize| get(&cols, row, i);

    let mut people: Vec<PersonRow> = Vec::with_capacity(table.rows.len());
    let mut seen_ids: HashMap<String, usize> = HashMap::with_capacity(table.rows.len());
    for row in &table.rows {
        let line = row.line;
        let before = report.errors.len();
        let mut required = |i: usize, zh: &str, en: &str| -> String {
            match get(row, i) {
                Some(v) => v.to_string(),
                None => {
                    report.push(RowError::column(
                        line,
                        COLUMNS[i].name,
                        Text::new(format!("{zh}不能为空"), format!("{en} is empty")),
                    ));
                    String::new()
                }
            }
        };
        let grid_code = required(GRID, "网格编码", "Grid code");
        let room = required(ROOM, "户号", "Room");
        let name = required(NAME, "姓名", "Name");
        let raw_id = required(ID, "身份证号", "ID number");
        let estate = get(row, ESTATE).unwrap_or("").to_string();
        let building = get(row, BUILDING).unwrap_or("").to_string();
        let unit = get(row, UNIT).unwrap_or("").to_string();

        if !grid_code.is_empty()
            && (grid_code.len() != 15 || !grid_code.bytes().all(|b| b.is_ascii_digit()))
        {
            report.push(RowError::cell(
                line,
                "grid_code",
                &grid_code,
                Text::new("网格编码应为15位数字", "Grid code must have 15 digits"),
            ));
        }
        if name.chars().count() > MAX_NAME_CHARS {
            report.push(RowError::cell(
                line,
                "name",
                &name,
                Text::new(
                    format!("姓名不能超过{MAX_NAME_CHARS}个字"),
                    format!("Name must be at most {MAX_NAME_CHARS} characters"),
                ),
            ));
        }
        let id_number = idcard::normalise(&raw_id);
        let info = if raw_id.is_empty() {
            None
        } else {
            match idcard::parse(&id_number) {
                Ok(info) => Some(info),
                Err(e) => {
                    report.push(RowError::cell(
                        line,
                        "id_number",
                        &raw_id,
                        Text::new(e.zh(), e.en()),
                    ));
                    None
                }
            }
        };
        if info.is_some() {
            if let Some(&first) = seen_ids.get(&id_number) {
                report.push(RowError::cell(
                    line,
                    "id_number",
                    &raw_id,
                    Text::new(
                        format!("身份证号与第 {first} 行重复"),
                        format!("ID number duplicates line {first}"),
                    ),
                ));
            } else {
                seen_ids.insert(id_number.clone(), line);
            }
        }
        let phone = match get(row, PHONE) {
            None => None,
            Some(raw) => {
                let phone = normalise_phone(raw);
                if phone.is_none() {
                    report.push(RowError::cell(
                        line,
                        "phone",
                        raw,
                        Text::new(
                            "电话应为11位手机号或由数字和“-”组成的固定电话",
                            "Phone must be an 11-digit mobile number or a landline of digits and '-'",
                        ),
                    ));
                }
                phone
            }
        };
        let (Some(info), true) = (info, report.errors.len() == before) else {
            continue;
        };
        people.push(PersonRow {
            line,
            grid_code,
            estate,
            building,
            unit,
            room,
            name,
            id_number,
            birth_date: info.birth_date,
            sex: info.sex,
            phone,
            ethnicity: get(row, ETHNICITY).unwrap_or(DEFAULT_ETHNICITY).to_string(),
            relation: get(row, RELATION).unwrap_or("").to_string(),
            labels: get(row, LABELS).map(split_labels).unwrap_or_default(),
        });
    }

    // Default relations: the first person of a household without a named head is the head.
    let key = |p: &PersonRow| -> HouseholdKey {
        (
            p.grid_code.clone(),
            p.estate.clone(),
            p.building.clone(),
            p.unit.clone(),
            p.room.clone(),
        )
    };
    let with_head: HashSet<HouseholdKey> = people
        .iter()
        .filter(|p| p.relation == HEAD_OF_HOUSEHOLD)
        .map(key)
        .collect();
    let mut defaulted: HashSet<HouseholdKey> = HashSet::new();
    for p in people.iter_mut().filter(|p| p.relation.is_empty()) {
        let k = key(p);
        p.relation = if !with_head.contains(&k) && defaulted.insert(k) {
            HEAD_OF_HOUSEHOLD.to_string()
        } else {
            OTHER_RELATION.to_string()
        };
    }
    report.sort();
    (people, report)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn id(seq: u32) -> String {
        idcard::make("150302", NaiveDate::from_ymd_opt(1980, 5, 17).unwrap(), seq)
    }

    fn header() -> &'static str {
        "grid_code,estate,building,unit,room,name,id_number,phone,ethnicity,relation,labels\n"
    }

    fn errors_of(csv: &str) -> ImportReport {
        parse_people("p.csv", csv.as_bytes()).unwrap_err()
    }

    #[test]
    fn parses_good_rows_with_defaults() {
        let csv = format!(
            "{}150302001002001,幸福小区,3,2,301,张三,{},13912345678,,,低保、独居老人|低保\n\
             150302001002001,幸福小区,3,2,301,李四,{},0473-1234567,蒙古族,配偶,\n\
             150302001002001,,,,12号,王五,{},,,,\n",
            header(),
            id(11),
            id(22).to_lowercase(),
            id(33)
        );
        let rows = parse_people("p.csv", csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].relation, "户主");
        assert_eq!(rows[0].ethnicity, "汉族");
        assert_eq!(rows[0].labels, vec!["低保", "独居老人"]);
        assert_eq!(rows[0].sex, Sex::Male);
        assert_eq!(
            rows[0].birth_date,
            NaiveDate::from_ymd_opt(1980, 5, 17).unwrap()
        );
        assert_eq!(rows[1].relation, "配偶");
        assert_eq!(rows[1].ethnicity, "蒙古族");
        assert_eq!(rows[1].sex, Sex::Female);
        assert_eq!(rows[1].phone.as_deref(), Some("0473-1234567"));
        assert_eq!(rows[2].relation, "户主");
        assert_eq!(rows[2].estate, "");
        assert_eq!(rows[2].line, 4);
    }

    #[test]
    fn explicit_head_keeps_others_as_other() {
        let csv = format!(
            "{}150302001002001,小区,1,1,101,甲,{},,,,\n150302001002001,小区,1,1,101,乙,{},,,户主,\n",
            header(),
            id(1),
            id(2)
        );
        let rows = parse_people("p.csv", csv.as_bytes()).unwrap();
        assert_eq!(rows[0].relation, "其他");
        assert_eq!(rows[1].relation, "户主");
    }

    #[test]
    fn chinese_headers_and_gbk() {
        let csv = format!(
            "网格编码,小区,楼栋,单元,户号,姓名,身份证号,手机\n150302001002001,幸福小区,3,2,301,张三,{},\n",
            id(5)
        );
        let (bytes, _, _) = encoding_rs::GBK.encode(&csv);
        let rows = parse_people("p.csv", &bytes).unwrap();
        assert_eq!(rows[0].name, "张三");
        assert_eq!(rows[0].phone, None);
    }

    #[test]
    fn wrong_check_digit_is_reported_on_its_line() {
        let good = id(7);
        let mut bad = good.clone();
        let last = bad.pop().unwrap();
        bad.push(if last == '0' { '1' } else { '0' });
        let csv = format!(
            "{}150302001002001,小区,1,1,101,甲,{good},,,,\n150302001002001,小区,1,1,102,乙,{bad},,,,\n",
            header()
        );
        let r = errors_of(&csv);
        assert_eq!(r.errors.len(), 1);
        assert_eq!(r.errors[0].line, 3);
        assert_eq!(r.errors[0].column.as_deref(), Some("id_number"));
        assert_eq!(r.errors[0].message.zh, "身份证号校验位错误");
        assert_eq!(r.errors[0].message.en, "ID number check digit is wrong");
    }

    #[test]
    fn each_rule_is_reported() {
        let long_name = "长".repeat(51);
        let csv = format!(
            "{h}1503020010020,小区,1,1,101,甲,{a},,,,\n\
             150302001002001,小区,1,1,,乙,{b},,,,\n\
             150302001002001,小区,1,1,103,{long_name},{c},,,,\n\
             150302001002001,小区,1,1,104,丁,{d},1391234567,,,\n\
             150302001002001,小区,1,1,105,戊,{a},,,,\n\
             150302001002001,小区,1,1,106,己,12345,,,,\n\
             150302001002001,小区,1,1,107,,{e},,,,\n",
            h = header(),
            a = id(1),
            b = id(2),
            c = id(3),
            d = id(4),
            e = id(5),
        );
        let r = errors_of(&csv);
        let got: Vec<(usize, Option<&str>)> = r
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (2, Some("grid_code")),
                (3, Some("room")),
                (4, Some("name")),
                (5, Some("phone")),
                (6, Some("id_number")),
                (7, Some("id_number")),
                (8, Some("name")),
            ]
        );
        assert!(r.errors[4].message.en.contains("duplicates line 2"));
        assert_eq!(r.errors[5].message.en, "ID number must have 18 characters");
    }

    #[test]
    fn missing_columns_are_named() {
        let r = errors_of("grid_code,estate,building,unit,room,name\n1,2,3,4,5,6\n");
        assert_eq!(r.errors.len(), 1);
        assert_eq!(r.errors[0].line, 0);
        assert_eq!(r.errors[0].column.as_deref(), Some("id_number"));
    }

    #[test]
    fn lenient_skips_bad_rows() {
        let csv = format!(
            "{}150302001002001,小区,1,1,101,甲,{},,,,\n150302001002001,小区,1,1,102,乙,bad,,,,\n",
            header(),
            id(1)
        );
        let (rows, report) = parse_people_lenient("p.csv", csv.as_bytes());
        assert_eq!(rows.len(), 1);
        assert_eq!(report.total_rows, 2);
        assert_eq!(report.error_lines(), vec![3]);
    }

    #[test]
    fn phone_shapes() {
        assert_eq!(
            normalise_phone("139 1234 5678").as_deref(),
            Some("13912345678")
        );
        assert_eq!(
            normalise_phone("0473-1234567").as_deref(),
            Some("0473-1234567")
        );
        assert_eq!(normalise_phone("3912345").as_deref(), Some("3912345"));
        assert!(normalise_phone("1391234567").is_none());
        assert!(normalise_phone("139123456789").is_none());
        assert!(normalise_phone("0473--1234567").is_none());
        assert!(normalise_phone("-04731234567").is_none());
        assert!(normalise_phone("abc").is_none());
        assert!(normalise_phone("123").is_none());
    }

    #[test]
    fn xlsx_people() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        let headers = [
            "网格编码",
            "小区",
            "楼栋",
            "单元",
            "户号",
            "姓名",
            "身份证号",
            "电话",
        ];
        for (c, h) in headers.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        ws.write_number(1, 0, 150302001002001.0).unwrap();
        ws.write_string(1, 1, "幸福小区").unwrap();
        ws.write_number(1, 2, 3.0).unwrap();
        ws.write_number(1, 3, 2.0).unwrap();
        ws.write_number(1, 4, 301.0).unwrap();
        ws.write_string(1, 5, "张三").unwrap();
        ws.write_string(1, 6, id(9)).unwrap();
        ws.write_number(1, 7, 13912345678.0).unwrap();
        let buf = wb.save_to_buffer().unwrap();
        let rows = parse_people("p.xlsx", &buf).unwrap();
        assert_eq!(rows[0].grid_code, "150302001002001");
        assert_eq!(rows[0].building, "3");
        assert_eq!(rows[0].room, "301");
        assert_eq!(rows[0].phone.as_deref(), Some("13912345678"));
    }
}
