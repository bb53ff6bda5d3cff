//! libFuzzer target: what a bot (or any Rust client) does with every frame from the server,
//! `decode::<ServerMsg>`. Must never panic; whatever decodes must re-encode canonically (never
//! longer than the input) and decode again to the same bytes (ServerMsg carries f32, so NaN
//! makes value equality useless and the comparison is on the wire).
#![no_main]

use arena_game::codec::{decode, encode, DecodeError};
use arena_game::protocol::ServerMsg;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match decode::<ServerMsg>(data) {
        Ok(msg) => {
            let canonical = encode(&msg).expect("a decoded message encodes");
            assert!(canonical.len() <= data.len());
            let again = decode::<ServerMsg>(&canonical).expect("canonical bytes decode");
            assert_eq!(encode(&again).expect("encodes"), canonical);
        }
        Err(DecodeError::TrailingBytes(n)) => {
            assert!(decode::<ServerMsg>(&data[..data.len() - n]).is_ok());
        }
        Err(_) => {}
    }
});
