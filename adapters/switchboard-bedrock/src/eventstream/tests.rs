//! Framing vectors from smithy-rs (`rust-runtime/aws-smithy-eventstream/test_data`), a
//! recorded S3 stream split across reads, and Bedrock's recorded exception frame.

use base64::Engine;

use super::*;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");

fn vector(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}/eventstream/{name}")).unwrap()
}

/// Every frame of `bytes`, fed `step` bytes at a time.
fn frames(bytes: &[u8], step: usize) -> Result<Vec<Frame>, GatewayError> {
    let mut reader = FrameReader::new();
    let mut out = Vec::new();
    for piece in bytes.chunks(step.max(1)) {
        reader.push(piece);
        while let Some(frame) = reader.next_frame()? {
            out.push(frame);
        }
    }
    reader.finish()?;
    Ok(out)
}

#[test]
fn valid_vectors_decode_whole_and_one_byte_at_a_time() {
    let mut all = Vec::new();
    for name in [
        "valid_with_all_headers_and_payload",
        "valid_empty_payload",
        "valid_no_headers",
    ] {
        let bytes = vector(name);
        let whole = frames(&bytes, bytes.len()).unwrap();
        assert_eq!(whole.len(), 1, "{name}");
        assert_eq!(frames(&bytes, 1).unwrap(), whole, "{name}");
        all.extend_from_slice(&bytes);
    }
    for step in [1, 2, 3, 7, 50, all.len()] {
        assert_eq!(frames(&all, step).unwrap().len(), 3, "step {step}");
    }
    let Frame::Event { payload, .. } = &frames(&vector("valid_no_headers"), 1).unwrap()[0] else {
        panic!("an event");
    };
    assert_eq!(&payload[..], b"another test payload");
}

#[test]
fn invalid_vectors_are_rejected() {
    for name in [
        "invalid_header_name_length",
        "invalid_header_name_length_too_long",
        "invalid_header_string_length_cut_off",
        "invalid_header_string_value_length",
        "invalid_header_value_type",
        "invalid_headers_length",
        "invalid_message_checksum",
        "invalid_prelude_checksum",
    ] {
        let bytes = vector(name);
        let err = frames(&bytes, bytes.len()).unwrap_err();
        assert_eq!(err.status(), http::StatusCode::BAD_GATEWAY, "{name}");
    }
}

#[test]
fn a_cut_frame_is_an_error_at_the_end() {
    let bytes = vector("valid_with_all_headers_and_payload");
    for cut in [1, 11, 12, bytes.len() - 1] {
        assert!(frames(&bytes[..cut], 1).is_err(), "cut at {cut}");
    }
}

#[test]
fn recorded_s3_reads_that_do_not_line_up_with_frames_reassemble() {
    let dvr: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{DIR}/eventstream/s3-select-object-content.json"))
            .unwrap(),
    )
    .unwrap();
    let mut reads = Vec::new();
    for event in dvr.as_array().unwrap() {
        let data = &event["action"]["Data"];
        if data["direction"] == "Response"
            && let Some(b64) = data["data"]["Base64"].as_str()
        {
            reads.push(
                base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .unwrap(),
            );
        }
    }
    assert_eq!(reads.len(), 2, "two recorded reads");
    let mut reader = FrameReader::new();
    let mut types = Vec::new();
    for read in &reads {
        reader.push(read);
        while let Some(frame) = reader.next_frame().unwrap() {
            if let Frame::Event { event_type, .. } = frame {
                types.push(event_type);
            }
        }
    }
    reader.finish().unwrap();
    assert_eq!(types, ["Records", "Stats", "End"]);
}

#[test]
fn bedrocks_recorded_exception_frame_decodes_at_any_split() {
    let text = std::fs::read_to_string(format!(
        "{DIR}/converse/model-stream-error-exception.eventstream.base64.txt"
    ))
    .unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .unwrap();
    for step in [1, 5, bytes.len()] {
        let got = frames(&bytes, step).unwrap();
        let [
            Frame::Exception {
                exception_type,
                payload,
            },
        ] = &got[..]
        else {
            panic!("one exception, got {got:?}");
        };
        assert_eq!(exception_type, "modelStreamErrorException");
        assert!(payload.starts_with(b"{"));
    }
}

#[test]
fn encoded_frames_round_trip() {
    let mut bytes = encode_event("messageStart", br#"{"role":"assistant"}"#);
    bytes.extend(encode_exception(
        "throttlingException",
        br#"{"message":"slow down"}"#,
    ));
    let got = frames(&bytes, 1).unwrap();
    assert_eq!(
        got,
        [
            Frame::Event {
                event_type: "messageStart".into(),
                payload: Bytes::from_static(br#"{"role":"assistant"}"#)
            },
            Frame::Exception {
                exception_type: "throttlingException".into(),
                payload: Bytes::from_static(br#"{"message":"slow down"}"#)
            },
        ]
    );
}
