//! Reading a JSON object's fields one by one for the JSON contracts (`POST /api/verdict`, a draft's
//! lines): each field refused by its name in the request (`grade`, `lines[3].quantity`) with its own
//! message in both languages. A field that is absent or null reads as empty.

use jieshui_app::domain::fixture::Day;
use jieshui_app::domain::market::{field_error, FieldError};
use serde_json::{Map, Value};

pub struct Fields<'a> {
    obj: &'a Map<String, Value>,
    /// Put before each field's name: `""` for a request, `lines[3].` for a line.
    prefix: String,
}

fn not_a_figure(field: String) -> FieldError {
    field_error(
        field,
        "标识上的数值应为数字。",
        "A labelled figure is a number.",
    )
}

impl<'a> Fields<'a> {
    /// The fields of `v`, which must be a JSON object; `whole` names it when it is not.
    pub fn of(v: &'a Value, prefix: impl Into<String>, whole: &str) -> Result<Self, FieldError> {
        let obj = v
            .as_object()
            .ok_or_else(|| field_error(whole, "应为 JSON 对象。", "Must be a JSON object."))?;
        Ok(Fields {
            obj,
            prefix: prefix.into(),
        })
    }

    /// A field's name as the refusal gives it.
    pub fn name(&self, n: &str) -> String {
        format!("{}{n}", self.prefix)
    }

    fn get(&self, n: &str) -> Option<&'a Value> {
        self.obj.get(n).filter(|v| !v.is_null())
    }

    /// Text, trimmed; absent is empty.
    pub fn text(&self, n: &str) -> Result<String, FieldError> {
        match self.get(n) {
            None => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.trim().to_string()),
            Some(_) => Err(field_error(self.name(n), "应为文字。", "Must be text.")),
        }
    }

    /// The fixture category: text that is not empty.
    pub fn category(&self) -> Result<String, FieldError> {
        match self.text("category") {
            Ok(c) if !c.is_empty() => Ok(c),
            _ => Err(field_error(
                self.name("category"),
                "请选择器具类别。",
                "Choose a fixture category.",
            )),
        }
    }

    /// true or false; absent is false.
    pub fn flag(&self, n: &str) -> Result<bool, FieldError> {
        match self.get(n) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(field_error(
                self.name(n),
                "应为 true 或 false。",
                "Must be true or false.",
            )),
        }
    }

    /// A labelled figure: a number, or absent.
    pub fn figure(&self, n: &str) -> Result<Option<f64>, FieldError> {
        match self.get(n) {
            None => Ok(None),
            Some(Value::Number(x)) => x
                .as_f64()
                .filter(|x| x.is_finite())
                .map(Some)
                .ok_or_else(|| not_a_figure(self.name(n))),
            Some(_) => Err(not_a_figure(self.name(n))),
        }
    }

    /// A label's grade: a whole number, or absent (the category's scheme is checked by the rules).
    pub fn grade(&self) -> Result<Option<u8>, FieldError> {
        match self.get("grade") {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|g| u8::try_from(g).ok())
                .map(Some)
                .ok_or_else(|| {
                    field_error(
                        self.name("grade"),
                        "等级应为 1–5 的整数。",
                        "A grade is a whole number, 1 to 5.",
                    )
                }),
        }
    }

    /// A count of things on display: a whole number, 0 or more; absent is 0.
    pub fn count(&self, n: &str) -> Result<u32, FieldError> {
        match self.get(n) {
            None => Ok(0),
            Some(v) => v
                .as_u64()
                .and_then(|q| u32::try_from(q).ok())
                .ok_or_else(|| {
                    field_error(
                        self.name(n),
                        "陈列数量应为不小于 0 的整数。",
                        "The quantity on display is a whole number, 0 or more.",
                    )
                }),
        }
    }

    /// A day, `YYYY-MM-DD`; absent or empty is none.
    pub fn day(&self, n: &str) -> Result<Option<Day>, FieldError> {
        match self.get(n) {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Day::parse(s.trim()).map(Some).ok_or_else(|| {
                field_error(
                    self.name(n),
                    "日期应为 YYYY-MM-DD。",
                    "A date is YYYY-MM-DD.",
                )
            }),
            Some(_) => Err(field_error(
                self.name(n),
                "日期应为 YYYY-MM-DD。",
                "A date is YYYY-MM-DD.",
            )),
        }
    }
}
