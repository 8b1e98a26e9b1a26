//! Photos attached to an idea: what is accepted before any decoding is tried.

/// Largest photo accepted, in bytes.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// Photos one idea may carry.
pub const MAX_PER_IDEA: usize = 3;
/// Largest side a decoded photo may have; bigger ones are refused rather than decoded.
pub const MAX_SIDE: u32 = 12_000;
/// Most pixels a photo may have, read from its header before it is decoded. Phones take 12 to
/// 48 megapixel photos by default; 40 MP decodes in about 160 MB, where an 11000 × 11000 PNG
/// of a few hundred kilobytes would take half a gigabyte.
pub const MAX_PIXELS: u64 = 40_000_000;
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
    #[error("the photo has more than 40 megapixels")]
    TooManyPixels,
}

impl PhotoError {
    pub fn message_id(self) -> &'static str {
        match self {
            Self::Empty => "err-photo-empty",
            Self::TooLarge => "err-photo-too-large",
            Self::NotAPhoto => "err-photo-type",
            Self::TooMany => "err-photo-too-many",
            Self::TooManyPixels => "err-photo-too-many-pixels",
        }
    }

    pub const ALL: [PhotoError; 5] = [
        Self::Empty,
        Self::TooLarge,
        Self::NotAPhoto,
        Self::TooMany,
        Self::TooManyPixels,
    ];
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

/// Checks the size a photo's header declares, before any pixel is decoded: a small file can
/// declare a huge image, and decoding allocates for what is declared.
pub fn check_dimensions(width: u32, height: u32) -> Result<(), PhotoError> {
    if width == 0 || height == 0 {
        return Err(PhotoError::NotAPhoto);
    }
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(PhotoError::TooManyPixels);
    }
    Ok(())
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

    #[test]
    fn a_phone_photo_passes_and_a_huge_declared_size_is_refused() {
        assert_eq!(check_dimensions(4032, 3024), Ok(()));
        assert_eq!(check_dimensions(7744, 5164), Ok(()));
        assert_eq!(
            check_dimensions(11_000, 11_000),
            Err(PhotoError::TooManyPixels)
        );
        assert_eq!(
            check_dimensions(MAX_SIDE + 1, 100),
            Err(PhotoError::TooManyPixels)
        );
        assert_eq!(
            check_dimensions(u32::MAX, u32::MAX),
            Err(PhotoError::TooManyPixels)
        );
        assert_eq!(check_dimensions(0, 100), Err(PhotoError::NotAPhoto));
    }
}
