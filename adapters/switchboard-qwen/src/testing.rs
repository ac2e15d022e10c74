//! Test helpers shared by the modules' tests: the recorded fixtures and a decoder run.

use switchboard_core::GatewayError;
use switchboard_core::chat::ChatChunk;
use switchboard_openai::ChunkDecoder;

use crate::stream::normalise_chunk;

/// `alibaba-text.chunks.txt` (see `fixtures/NOTICE.md`).
pub(crate) const TEXT: &str = include_str!("../fixtures/alibaba-text.chunks.txt");
/// `alibaba-reasoning.chunks.txt`.
pub(crate) const REASONING: &str = include_str!("../fixtures/alibaba-reasoning.chunks.txt");
/// `alibaba-tool-call.chunks.txt`.
pub(crate) const TOOL_CALL: &str = include_str!("../fixtures/alibaba-tool-call.chunks.txt");
/// `alibaba-text.json`.
pub(crate) const TEXT_JSON: &str = include_str!("../fixtures/alibaba-text.json");
/// `alibaba-reasoning.json`.
pub(crate) const REASONING_JSON: &str = include_str!("../fixtures/alibaba-reasoning.json");
/// `alibaba-tool-call.json`.
pub(crate) const TOOL_CALL_JSON: &str = include_str!("../fixtures/alibaba-tool-call.json");

/// Replays one-JSON-per-line fixtures as DashScope's wire sends them.
pub(crate) fn as_sse(lines: &str) -> String {
    let mut out = String::new();
    for line in lines.lines().filter(|l| !l.trim().is_empty()) {
        out.push_str("data: ");
        out.push_str(line);
        out.push_str("\n\n");
    }
    out.push_str("data: [DONE]\n\n");
    out
}

/// Decodes `input` fed in the given pieces, normalising every chunk.
pub(crate) fn decode_pieces(pieces: &[&[u8]]) -> Result<Vec<ChatChunk>, GatewayError> {
    let mut decoder = ChunkDecoder::default();
    let mut out = Vec::new();
    for piece in pieces {
        decoder.push(piece);
        while let Some(chunk) = decoder.next_chunk()? {
            out.push(chunk);
        }
    }
    while let Some(chunk) = decoder.finish()? {
        out.push(chunk);
    }
    for chunk in &mut out {
        normalise_chunk(chunk);
    }
    Ok(out)
}

/// Decodes a fixture's wire SSE whole, checks it decodes the same cut at every byte
/// (sampled evenly on large inputs), and returns the chunks.
pub(crate) fn decode(lines: &str) -> Vec<ChatChunk> {
    let wire = as_sse(lines);
    let bytes = wire.as_bytes();
    let whole = decode_pieces(&[bytes]).unwrap();
    let step = (bytes.len() / 500).max(1);
    for cut in (0..bytes.len()).step_by(step) {
        let split = decode_pieces(&[&bytes[..cut], &bytes[cut..]]).unwrap();
        assert_eq!(split, whole, "cut at {cut}");
    }
    whole
}
