//! Merging backend results (research/krakend-semantics.md §c.4, lura's
//! `incrementalMergeAccumulator` + `combineData`), made deterministic:
//! parts are combined in declaration order, and a later backend wins on a
//! shared top-level key (KrakenD: arrival order). The result is complete
//! only when every backend answered with a complete part.

use crate::value::Map;

use crate::error::{Error, ErrorKind};

/// One backend's processed answer.
#[derive(Debug)]
pub struct Part {
    /// The data after manipulation.
    pub data: Map,
    /// Whether the backend answered fully (false for `return_error_details`
    /// parts).
    pub complete: bool,
}

/// The merged answer of an endpoint.
#[derive(Debug)]
pub struct Merged {
    /// The data, `None` when no backend succeeded.
    pub data: Option<Map>,
    /// Every backend answered fully.
    pub complete: bool,
    /// The failures, in declaration order.
    pub errors: Vec<Error>,
}

impl Merged {
    /// A merge with nothing yet.
    pub fn new() -> Merged {
        Merged {
            data: None,
            complete: true,
            errors: Vec::new(),
        }
    }

    /// Adds the next result, in declaration order.
    pub fn push(&mut self, r: Result<Part, Error>) {
        match r {
            Err(e) => {
                self.complete = false;
                self.errors.push(e);
            }
            Ok(p) => {
                self.complete &= p.complete;
                match &mut self.data {
                    None => self.data = Some(p.data),
                    Some(acc) => {
                        for (k, v) in p.data {
                            acc.insert(k, v);
                        }
                    }
                }
            }
        }
    }

    /// Marks backends that never ran (a sequential chain that stopped).
    pub fn mark_incomplete(&mut self) {
        self.complete = false;
    }

    /// The error for a merge with no data: a single backend's own error (so
    /// `return_error_code` keeps its status), else a merge error joining
    /// the messages as lura does (`\n`).
    pub fn into_error(mut self) -> Error {
        if self.errors.len() == 1
            && let Some(e) = self.errors.pop()
        {
            return e;
        }
        let msg: Vec<String> = self.errors.iter().map(|e| e.to_string()).collect();
        Error::new(ErrorKind::Merge, msg.join("\n"))
    }
}

impl Default for Merged {
    fn default() -> Self {
        Merged::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Value, json};

    fn part(v: Value, complete: bool) -> Result<Part, Error> {
        match v {
            Value::Object(data) => Ok(Part { data, complete }),
            _ => Err(Error::new(ErrorKind::Internal, "not an object")),
        }
    }

    fn fail() -> Result<Part, Error> {
        Err(Error::new(ErrorKind::BadStatus(500), "boom"))
    }

    #[test]
    fn merge_table() {
        type Row = (Vec<Result<Part, Error>>, Option<Value>, bool, usize);
        let table: Vec<Row> = vec![
            (
                vec![
                    part(json!({"a": 1, "k": "first"}), true),
                    part(json!({"b": 2, "k": "second"}), true),
                ],
                Some(json!({"a": 1, "k": "second", "b": 2})),
                true,
                0,
            ),
            (
                vec![part(json!({"a": 1}), true), fail()],
                Some(json!({"a": 1})),
                false,
                1,
            ),
            (
                vec![fail(), part(json!({"b": 1}), true)],
                Some(json!({"b": 1})),
                false,
                1,
            ),
            (vec![fail(), fail()], None, false, 2),
            (
                vec![part(json!({"e": 1}), false)],
                Some(json!({"e": 1})),
                false,
                0,
            ),
        ];
        for (parts, data, complete, errors) in table {
            let mut m = Merged::new();
            for p in parts {
                m.push(p);
            }
            assert_eq!(m.data.clone().map(Value::Object), data);
            assert_eq!(m.complete, complete);
            assert_eq!(m.errors.len(), errors);
        }
    }

    #[test]
    fn single_error_keeps_its_kind() {
        let mut m = Merged::new();
        m.push(Err(Error::new(ErrorKind::BadStatus(404), "x")));
        assert!(matches!(m.into_error().kind, ErrorKind::BadStatus(404)));
        let mut m = Merged::new();
        m.push(fail());
        m.push(Err(Error::new(ErrorKind::Timeout, "slow")));
        let e = m.into_error();
        assert!(matches!(e.kind, ErrorKind::Merge));
        assert_eq!(e.to_string(), "boom\nslow");
    }
}
