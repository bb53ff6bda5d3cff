//! libFuzzer target: the lobby API's JSON request bodies, parsed with serde_json as actix's
//! `web::Json` does. Must never panic; whatever parses must serialize and parse back unchanged.
#![no_main]

use arena_game::api::{CreateMatchRequest, JoinRequest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = serde_json::from_slice::<CreateMatchRequest>(data) {
        let text = serde_json::to_string(&req).expect("serializes");
        let again: CreateMatchRequest = serde_json::from_str(&text).expect("parses back");
        assert_eq!(format!("{again:?}"), format!("{req:?}"));
    }
    if let Ok(req) = serde_json::from_slice::<JoinRequest>(data) {
        let text = serde_json::to_string(&req).expect("serializes");
        let again: JoinRequest = serde_json::from_str(&text).expect("parses back");
        assert_eq!(format!("{again:?}"), format!("{req:?}"));
    }
});
