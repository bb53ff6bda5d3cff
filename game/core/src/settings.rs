//! Match settings from the lobby's JSON, checked against a game's [`SettingSpec`]s: every key
//! known, every value an integer within bounds, defaults filled in. Pure, so the lobby's answer
//! (400 with the reason) is unit-tested here.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::game::SettingSpec;

/// The settings object with every key of `specs`, given values checked and defaults filled in.
pub fn resolve(
    game: &str,
    specs: &[SettingSpec],
    given: Option<&Map<String, Value>>,
) -> Result<Map<String, Value>, String> {
    let empty = Map::new();
    let given = given.unwrap_or(&empty);
    if let Some(unknown) = given.keys().find(|k| !specs.iter().any(|s| &s.name == *k)) {
        let known: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        return Err(if known.is_empty() {
            format!("unknown setting {unknown:?}: {game} takes no settings")
        } else {
            format!(
                "unknown setting {unknown:?} for {game} (it takes: {})",
                known.join(", ")
            )
        });
    }
    let mut out = Map::new();
    for spec in specs {
        let value = match given.get(&spec.name) {
            None => spec.default,
            Some(v) => match v.as_i64() {
                Some(n) if (spec.min..=spec.max).contains(&n) => n,
                _ => {
                    return Err(format!(
                        "setting {:?} of {game} must be an integer in {}..={}",
                        spec.name, spec.min, spec.max
                    ))
                }
            },
        };
        out.insert(spec.name.clone(), Value::from(value));
    }
    Ok(out)
}

/// Deserializes resolved settings into the game's type. A game without settings may say
/// `type Settings = ()` (or a struct without fields): no settings is then `()`.
pub fn into_settings<T: DeserializeOwned>(resolved: &Map<String, Value>) -> Result<T, String> {
    match serde_json::from_value(Value::Object(resolved.clone())) {
        Ok(settings) => Ok(settings),
        Err(e) if resolved.is_empty() => serde_json::from_value(Value::Null)
            .map_err(|_| format!("settings do not fit the game: {e}")),
        Err(e) => Err(format!("settings do not fit the game: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn specs() -> Vec<SettingSpec> {
        vec![
            SettingSpec::new("time_limit_s", "seconds", 0, 3600, 300),
            SettingSpec::new("score_limit", "kills", 0, 1000, 20),
        ]
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    /// Missing settings take their defaults; given ones are kept.
    #[test]
    fn defaults_fill_in() {
        let r = resolve("dm", &specs(), Some(&obj(json!({"score_limit": 5})))).unwrap();
        assert_eq!(
            Value::Object(r),
            json!({"time_limit_s": 300, "score_limit": 5})
        );
        let r = resolve("dm", &specs(), None).unwrap();
        assert_eq!(r["score_limit"], 20);
    }

    /// Unknown keys, values out of bounds, and non-integers are refused with the reason.
    #[test]
    fn bad_settings_are_refused() {
        let e = resolve("dm", &specs(), Some(&obj(json!({"lives": 3})))).unwrap_err();
        assert!(
            e.contains("unknown setting \"lives\"") && e.contains("time_limit_s"),
            "{e}"
        );
        let e = resolve("dm", &specs(), Some(&obj(json!({"time_limit_s": 3601})))).unwrap_err();
        assert!(e.contains("0..=3600"), "{e}");
        for bad in [json!(-1), json!(2.5), json!("10"), json!(null), json!(true)] {
            let given = obj(json!({ "score_limit": bad }));
            assert!(resolve("dm", &specs(), Some(&given)).is_err(), "{bad}");
        }
        let e = resolve("solo", &[], Some(&obj(json!({"x": 1})))).unwrap_err();
        assert!(e.contains("takes no settings"), "{e}");
    }
}
