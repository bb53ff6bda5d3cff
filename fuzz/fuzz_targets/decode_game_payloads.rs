//! libFuzzer target: the built-in games' payloads. A match decodes its game's input from every
//! player's `Input` message; the bots decode views and facts. Must never panic; whatever decodes
//! must re-encode canonically (never longer than the input) and decode again to the same bytes.
#![no_main]

use arena_game::codec::{decode, encode, DecodeError};
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde::Serialize;

fn check<T: Serialize + DeserializeOwned>(data: &[u8]) {
    match decode::<T>(data) {
        Ok(value) => {
            let canonical = encode(&value).expect("a decoded value encodes");
            assert!(canonical.len() <= data.len());
            let again = decode::<T>(&canonical).expect("canonical bytes decode");
            assert_eq!(encode(&again).expect("encodes"), canonical);
        }
        Err(DecodeError::TrailingBytes(n)) => {
            assert!(decode::<T>(&data[..data.len() - n]).is_ok());
        }
        Err(_) => {}
    }
}

fuzz_target!(|data: &[u8]| {
    check::<arena_deathmatch::Input>(data);
    check::<arena_deathmatch::View>(data);
    check::<arena_deathmatch::Facts>(data);
    check::<arena_ctf::Input>(data);
    check::<arena_ctf::View>(data);
    check::<arena_ctf::Facts>(data);
});
