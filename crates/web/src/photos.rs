//! Re-encoding uploaded photos: decoded with size limits, turned upright-agnostic RGB, scaled
//! down and written as fresh JPEGs, so that no metadata of the original (GPS position, camera,
//! time) survives, and a thumbnail is made.

use chuangxiang_domain::photos::{self, Kind, PhotoError};
use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// A photo ready to store.
pub struct Processed {
    pub width: u32,
    pub height: u32,
    pub photo: Vec<u8>,
    pub thumbnail: Vec<u8>,
}

fn encode(image: &DynamicImage) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
    image
        .to_rgb8()
        .write_with_encoder(encoder)
        .map_err(|_| PhotoError::NotAPhoto)?;
    Ok(out)
}

/// Checks, decodes and re-encodes an upload. CPU-heavy: call it off the async executor.
pub fn process(bytes: &[u8], already: usize) -> Result<Processed, PhotoError> {
    let kind = photos::check(bytes, already)?;
    let format = match kind {
        Kind::Jpeg => ImageFormat::Jpeg,
        Kind::Png => ImageFormat::Png,
        Kind::WebP => ImageFormat::WebP,
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(photos::MAX_SIDE);
    limits.max_image_height = Some(photos::MAX_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|_| PhotoError::NotAPhoto)?;
    // Transparent areas become white rather than black when flattened to JPEG.
    let flat = if decoded.color().has_alpha() {
        let rgba = decoded.to_rgba8();
        let mut canvas =
            image::RgbImage::from_pixel(rgba.width(), rgba.height(), image::Rgb([255, 255, 255]));
        for (x, y, p) in rgba.enumerate_pixels() {
            let a = u16::from(p[3]);
            let blend =
                |c: u8| u8::try_from((u16::from(c) * a + 255 * (255 - a)) / 255).unwrap_or(255);
            canvas.put_pixel(x, y, image::Rgb([blend(p[0]), blend(p[1]), blend(p[2])]));
        }
        DynamicImage::ImageRgb8(canvas)
    } else {
        decoded
    };
    let stored = if flat.width().max(flat.height()) > photos::STORED_SIDE {
        flat.thumbnail(photos::STORED_SIDE, photos::STORED_SIDE)
    } else {
        flat
    };
    let thumb = stored.thumbnail(photos::THUMB_SIDE, photos::THUMB_SIDE);
    Ok(Processed {
        width: stored.width(),
        height: stored.height(),
        photo: encode(&stored)?,
        thumbnail: encode(&thumb)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_pixel(width, height, image::Rgba([200, 30, 30, 128]));
        let mut out = Vec::new();
        DynamicImage::ImageRgba8(img)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .expect("png encodes");
        out
    }

    #[test]
    fn a_png_is_stored_as_a_fresh_jpeg_with_a_thumbnail() {
        let processed = process(&png(2000, 1000), 0).expect("processed");
        assert!(processed.photo.starts_with(&[0xFF, 0xD8, 0xFF]));
        assert_eq!((processed.width, processed.height), (1600, 800));
        let thumb = image::load_from_memory(&processed.thumbnail).expect("thumbnail decodes");
        assert_eq!(thumb.width(), 320);
    }

    #[test]
    fn a_jpeg_loses_its_metadata() {
        // A JPEG carrying an EXIF block with a recognisable marker.
        let mut plain = Vec::new();
        DynamicImage::ImageRgb8(image::RgbImage::from_pixel(50, 50, image::Rgb([1, 2, 3])))
            .write_to(&mut Cursor::new(&mut plain), ImageFormat::Jpeg)
            .expect("jpeg encodes");
        let marker = b"Exif\0\0GPS-LATITUDE-39.99";
        let len = u16::try_from(marker.len() + 2).expect("short");
        let mut with_exif = vec![0xFF, 0xD8, 0xFF, 0xE1];
        with_exif.extend_from_slice(&len.to_be_bytes());
        with_exif.extend_from_slice(marker);
        with_exif.extend_from_slice(&plain[2..]);
        let processed = process(&with_exif, 0).expect("processed");
        let found = processed.photo.windows(12).any(|w| w == b"GPS-LATITUDE");
        assert!(!found, "metadata survived re-encoding");
    }

    #[test]
    fn a_truncated_photo_is_refused_not_crashed_on() {
        let mut broken = png(100, 100);
        broken.truncate(60);
        assert_eq!(process(&broken, 0).err(), Some(PhotoError::NotAPhoto));
    }
}
