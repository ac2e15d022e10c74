//! Responses content → chat content: message content, assistant replays and tool outputs.

use serde_json::Map;

use crate::chat::{ContentPart, FileContent, ImageUrl, MessageContent};
use crate::error::GatewayError;
use crate::responses::input::{FilePart, ImagePart, InputContent, InputPart};

/// The content of a tool message whose output was only images (sent after the turn).
const IMAGE_OUTPUT: &str = "(image output attached in the next message)";

/// The text of a message: the string, or its text parts joined by newlines.
pub(super) fn plain_text(content: &InputContent) -> String {
    match content {
        InputContent::Text(text) => text.clone(),
        InputContent::Parts(parts) => texts(parts).join("\n"),
    }
}

fn texts(parts: &[InputPart]) -> Vec<&str> {
    parts
        .iter()
        .filter_map(|part| match part {
            InputPart::InputText(part) => Some(part.text.as_str()),
            InputPart::OutputText(part) => Some(part.text.as_str()),
            _ => None,
        })
        .collect()
}

/// A replayed assistant message's text (parts joined as one answer) and refusal.
pub(super) fn assistant_text(content: &InputContent) -> (String, String) {
    match content {
        InputContent::Text(text) => (text.clone(), String::new()),
        InputContent::Parts(parts) => {
            let refusal = parts
                .iter()
                .filter_map(|part| match part {
                    InputPart::Refusal(part) => Some(part.refusal.as_str()),
                    _ => None,
                })
                .collect();
            (texts(parts).concat(), refusal)
        }
    }
}

/// A user message's content: text parts, images and files as chat parts; a string when
/// every part is text (many open-model templates want strings).
pub(super) fn chat_content(content: &InputContent) -> Result<MessageContent, GatewayError> {
    let InputContent::Parts(parts) = content else {
        return Ok(MessageContent::Text(plain_text(content)));
    };
    let mut chat = Vec::with_capacity(parts.len());
    for part in parts {
        match part {
            InputPart::InputText(part) => chat.push(ContentPart::text(&part.text)),
            InputPart::OutputText(part) => chat.push(ContentPart::text(&part.text)),
            InputPart::InputImage(image) => chat.push(image_part(image).ok_or_else(image_by_id)?),
            InputPart::InputFile(file) => chat.push(file_part(file)),
            InputPart::Refusal(_) | InputPart::Other(_) => {}
        }
    }
    if chat
        .iter()
        .all(|part| matches!(part, ContentPart::Text { .. }))
    {
        return Ok(MessageContent::Text(plain_text(content)));
    }
    Ok(MessageContent::Parts(chat))
}

/// An image by URL as a chat part (`original` detail becomes `high`); `None` for an image
/// given only by file id.
fn image_part(image: &ImagePart) -> Option<ContentPart> {
    let url = image.image_url.as_ref()?;
    let detail = image.detail.as_deref().map(|detail| match detail {
        "original" => "high".to_owned(),
        other => other.to_owned(),
    });
    Some(ContentPart::ImageUrl {
        image_url: ImageUrl {
            url: url.clone(),
            detail,
            extra: Map::new(),
        },
        extra: Map::new(),
    })
}

/// A file as a chat `file` part; a `file_url` (no chat field) is kept in `extra`.
fn file_part(file: &FilePart) -> ContentPart {
    let mut extra = Map::new();
    if let Some(url) = &file.file_url {
        extra.insert("file_url".into(), url.clone().into());
    }
    ContentPart::File {
        file: FileContent {
            file_id: file.file_id.clone(),
            file_data: file.file_data.clone(),
            filename: file.filename.clone(),
            extra,
        },
        extra: Map::new(),
    }
}

/// A tool output's text (text parts joined by newlines) and the images it returned.
pub(super) fn tool_output(output: &InputContent) -> (String, Vec<ContentPart>) {
    let InputContent::Parts(parts) = output else {
        return (plain_text(output), Vec::new());
    };
    let images: Vec<ContentPart> = parts
        .iter()
        .filter_map(|part| match part {
            InputPart::InputImage(image) => image_part(image),
            _ => None,
        })
        .collect();
    let text = texts(parts).join("\n");
    if text.is_empty() && !images.is_empty() {
        return (IMAGE_OUTPUT.to_owned(), images);
    }
    (text, images)
}

/// 400: an image by file id, which chat cannot carry.
fn image_by_id() -> GatewayError {
    GatewayError::invalid_request(
        "An input_image given by file_id is not supported by this gateway; send it as \
         image_url (an https: or data: URL).",
    )
    .with_param("input")
    .with_code("unsupported_value")
}
