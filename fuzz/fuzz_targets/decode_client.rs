//! libFuzzer target: what the server does with every WebSocket binary frame, `decode_limited::<
//! ClientMsg>` (and the unlimited `decode`). Must never panic; whatever decodes must re-encode
//! canonically (never longer than the input) and decode again to the same message.
#![no_main]

use arena_game::codec::{decode, decode_limited, encode, DecodeError};
use arena_game::protocol::ClientMsg;
use libfuzzer_sys::fuzz_target;

/// The server's default client-frame limit is a few KiB; any value below 64 KiB exercises the
/// same size check.
const FRAME_LIMIT_BYTES: usize = 4096;

fuzz_target!(|data: &[u8]| {
    let decoded = decode::<ClientMsg>(data);
    if let Ok(msg) = &decoded {
        let canonical = encode(msg).expect("a decoded message encodes");
        assert!(canonical.len() <= data.len());
        assert_eq!(decode::<ClientMsg>(&canonical).as_ref(), Ok(msg));
    }
    if let Err(DecodeError::TrailingBytes(n)) = decoded {
        assert!(decode::<ClientMsg>(&data[..data.len() - n]).is_ok());
    }
    match decode_limited::<ClientMsg>(data, FRAME_LIMIT_BYTES) {
        Err(DecodeError::TooLarge { len, .. }) => assert!(len > FRAME_LIMIT_BYTES),
        other => assert_eq!(other.is_ok(), decode::<ClientMsg>(data).is_ok()),
    }
});
