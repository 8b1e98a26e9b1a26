//! Photos attached to an idea: what is accepted before any decoding is tried.

/// Largest photo accepted, in bytes.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// Photos one idea may carry.
pub const MAX_PER_IDEA: usize = 3;
/// Largest side a decoded photo may have; bigger ones are refused rather than decoded.
pub const MAX_SIDE: u32 = 12_000;
/// The longest side of a stored photo, and of its thumbnail.
pub const STORED_SIDE: u32 = 1_600;
pub const THUMB_SIDE: u32 = 320;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("no photo was chosen")]
    Empty,
    #[error("the photo is larger than 5 MB")]
    TooLarge,
    #[error("only JPEG, PNG and WebP photos are accepted")]
    NotAPhoto,
    #[error("an idea carries at most three photos")]
    TooMany,
}

impl PhotoError {
    pub fn message_id(self) -> &'static str {
        match self {
            Self::Empty => "err-photo-empty",
            Self::TooLarge => "err-photo-too-large",
            Self::NotAPhoto => "err-photo-type",
            Self::TooMany => "err-photo-too-many",
        }
    }

    pub const ALL: [PhotoError; 4] = [Self::Empty, Self::TooLarge, Self::NotAPhoto, Self::TooMany];
}

/// The kinds of photo accepted, recognised by their first bytes, never by the file's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    WebP,
}

/// Checks an upload's size and signature, and how many photos the idea already has.
pub fn check(bytes: &[u8], already: usize) -> Result<Kind, PhotoError> {
    if already >= MAX_PER_IDEA {
        return Err(PhotoError::TooMany);
    }
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(PhotoError::TooLarge);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(Kind::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok(Kind::Png)
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Ok(Kind::WebP)
    } else {
        Err(PhotoError::NotAPhoto)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_file_renamed_jpg_is_not_a_photo() {
        assert_eq!(check(b"hello, this is text", 0), Err(PhotoError::NotAPhoto));
    }

    #[test]
    fn photos_are_recognised_by_content() {
        assert_eq!(check(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0], 0), Ok(Kind::Jpeg));
        assert_eq!(check(b"\x89PNG\r\n\x1a\n....", 0), Ok(Kind::Png));
        assert_eq!(check(b"RIFF\0\0\0\0WEBPVP8 ", 0), Ok(Kind::WebP));
    }

    #[test]
    fn a_twenty_megabyte_photo_and_a_fourth_photo_are_refused() {
        let mut big = vec![0xFF, 0xD8, 0xFF];
        big.resize(20 * 1024 * 1024, 0);
        assert_eq!(check(&big, 0), Err(PhotoError::TooLarge));
        assert_eq!(check(&[0xFF, 0xD8, 0xFF], 3), Err(PhotoError::TooMany));
        assert_eq!(check(&[], 0), Err(PhotoError::Empty));
    }
}
