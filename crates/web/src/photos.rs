//! Re-encoding uploaded photos: refused by the size their header declares before any pixel is
//! decoded, decoded with an allocation limit, turned upright-agnostic RGB, scaled down and
//! written as fresh JPEGs, so that no metadata of the original (GPS position, camera, time)
//! survives, and a thumbnail is made.

use chuangxiang_domain::photos::{self, Kind, PhotoError};
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// What decoding may allocate: the largest photo accepted as RGBA (4 bytes a pixel), with room
/// for the decoder's own buffers. A header that lies about the image cannot make it allocate
/// more; a 16-bit PNG near the pixel limit is refused by it too.
const MAX_DECODED_BYTES: u64 = 4 * photos::MAX_PIXELS + 32 * 1024 * 1024;

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

/// A limit hit while decoding means the photo is too big to decode, not that it is no photo.
fn decode_error(e: ImageError) -> PhotoError {
    match e {
        ImageError::Limits(_) => PhotoError::TooManyPixels,
        _ => PhotoError::NotAPhoto,
    }
}

/// Reads the header, refuses a declared size over the limits, and only then decodes.
fn decode(bytes: &[u8], kind: Kind) -> Result<DynamicImage, PhotoError> {
    let format = match kind {
        Kind::Jpeg => ImageFormat::Jpeg,
        Kind::Png => ImageFormat::Png,
        Kind::WebP => ImageFormat::WebP,
    };
    let mut limits = Limits::default();
    limits.max_image_width = Some(photos::MAX_SIDE);
    limits.max_image_height = Some(photos::MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits.clone());
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    let (width, height) = decoder.dimensions();
    photos::check_dimensions(width, height)?;
    // As `ImageReader::decode` does: the output buffer counts against what may be allocated.
    limits
        .reserve(decoder.total_bytes())
        .map_err(decode_error)?;
    decoder.set_limits(limits).map_err(decode_error)?;
    DynamicImage::from_decoder(decoder).map_err(decode_error)
}

/// Flattens transparency onto white (rather than JPEG's black), in place for the usual RGBA8:
/// each pixel's three bytes are written over the start of its own four, so no second
/// full-size buffer is needed.
fn flatten(decoded: DynamicImage) -> Result<DynamicImage, PhotoError> {
    if !decoded.color().has_alpha() {
        return Ok(decoded);
    }
    let rgba = decoded.into_rgba8();
    let (width, height) = rgba.dimensions();
    let mut raw = rgba.into_raw();
    let pixels = raw.len() / 4;
    for i in 0..pixels {
        let a = u16::from(raw[4 * i + 3]);
        for c in 0..3 {
            let v = u16::from(raw[4 * i + c]);
            raw[3 * i + c] = u8::try_from((v * a + 255 * (255 - a)) / 255).unwrap_or(255);
        }
    }
    raw.truncate(3 * pixels);
    image::RgbImage::from_raw(width, height, raw)
        .map(DynamicImage::ImageRgb8)
        .ok_or(PhotoError::NotAPhoto)
}

/// Checks, decodes and re-encodes an upload. CPU-heavy: call it off the async executor.
pub fn process(bytes: &[u8], already: usize) -> Result<Processed, PhotoError> {
    let kind = photos::check(bytes, already)?;
    let flat = flatten(decode(bytes, kind)?)?;
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

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    0xEDB8_8320 ^ (crc >> 1)
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    /// A real one-pixel PNG whose header is rewritten to declare `width` × `height`, with the
    /// header's checksum fixed so that the decoder believes it.
    fn png_declaring(image: DynamicImage, width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .expect("png encodes");
        assert_eq!(&out[12..16], b"IHDR");
        out[16..20].copy_from_slice(&width.to_be_bytes());
        out[20..24].copy_from_slice(&height.to_be_bytes());
        let crc = crc32(&out[12..29]);
        out[29..33].copy_from_slice(&crc.to_be_bytes());
        out
    }

    fn one_pixel() -> DynamicImage {
        DynamicImage::ImageRgb8(image::RgbImage::from_pixel(1, 1, image::Rgb([9, 9, 9])))
    }

    #[test]
    fn a_small_png_declaring_eleven_thousand_pixels_square_is_refused_before_decoding() {
        let bomb = png_declaring(one_pixel(), 11_000, 11_000);
        assert!(bomb.len() < 1_000);
        assert_eq!(process(&bomb, 0).err(), Some(PhotoError::TooManyPixels));
    }

    #[test]
    fn a_truncated_png_declaring_a_huge_size_is_refused_before_decoding() {
        let mut bomb = png_declaring(one_pixel(), 11_000, 11_000);
        let idat = bomb
            .windows(4)
            .position(|w| w == b"IDAT")
            .expect("an IDAT chunk");
        bomb.truncate(idat + 6);
        assert_eq!(process(&bomb, 0).err(), Some(PhotoError::TooManyPixels));
    }

    #[test]
    fn a_header_within_the_pixel_limit_still_cannot_allocate_past_the_bound() {
        // 36 MP passes the pixel count, but 16-bit RGBA of it would take 288 MB.
        let deep = DynamicImage::ImageRgba16(image::ImageBuffer::from_pixel(
            1,
            1,
            image::Rgba([1u16, 2, 3, 4]),
        ));
        let liar = png_declaring(deep, 6_000, 6_000);
        assert_eq!(process(&liar, 0).err(), Some(PhotoError::TooManyPixels));
    }

    /// A baseline JPEG of an even grey, written by hand because encoding 40 MP takes seconds:
    /// with the grey at the middle of the range every coefficient is zero, so with one-code
    /// Huffman tables each 8 × 8 block is two zero bits (DC difference 0, end of block).
    fn grey_jpeg(width: u16, height: u16) -> Vec<u8> {
        fn segment(out: &mut Vec<u8>, marker: u8, body: &[u8]) {
            let len = u16::try_from(body.len() + 2).expect("short segment");
            out.extend_from_slice(&[0xFF, marker]);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(body);
        }
        let mut out = vec![0xFF, 0xD8];
        let mut quant = vec![0];
        quant.extend_from_slice(&[1; 64]);
        segment(&mut out, 0xDB, &quant);
        let mut frame = vec![8];
        frame.extend_from_slice(&height.to_be_bytes());
        frame.extend_from_slice(&width.to_be_bytes());
        frame.extend_from_slice(&[3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]);
        segment(&mut out, 0xC0, &frame);
        for class in [0x00, 0x10] {
            let mut table = vec![class, 1];
            table.extend_from_slice(&[0; 15]);
            table.push(0);
            segment(&mut out, 0xC4, &table);
        }
        segment(&mut out, 0xDA, &[3, 1, 0, 2, 0, 3, 0, 0, 63, 0]);
        let blocks = usize::from(width.div_ceil(8)) * usize::from(height.div_ceil(8));
        let bits = blocks * 3 * 2;
        out.extend(std::iter::repeat_n(0, bits / 8));
        if !bits.is_multiple_of(8) {
            // The last byte is padded with one bits.
            out.push(0xFF >> (bits % 8));
        }
        out.extend_from_slice(&[0xFF, 0xD9]);
        out
    }

    #[test]
    fn a_photo_of_the_largest_size_accepted_still_decodes() {
        let (width, height) = (7_744u16, 5_164u16);
        assert!(u64::from(width) * u64::from(height) <= photos::MAX_PIXELS);
        let jpeg = grey_jpeg(width, height);
        assert!(jpeg.len() <= photos::MAX_BYTES);
        let processed = process(&jpeg, 0).expect("a 40 MP photo is accepted");
        assert_eq!((processed.width, processed.height), (1_600, 1_067));
        let stored = image::load_from_memory(&processed.photo).expect("stored photo decodes");
        let grey = stored.to_rgb8().get_pixel(800, 500).0;
        assert!(grey.iter().all(|&c| c.abs_diff(128) <= 2), "{grey:?}");
    }

    #[test]
    fn transparency_is_flattened_onto_white() {
        let rgba = image::RgbaImage::from_fn(3, 1, |x, _| match x {
            0 => image::Rgba([200, 30, 30, 128]),
            1 => image::Rgba([10, 20, 30, 0]),
            _ => image::Rgba([10, 20, 30, 255]),
        });
        let flat = flatten(DynamicImage::ImageRgba8(rgba)).expect("flattened");
        let rgb = flat.as_rgb8().expect("rgb");
        assert_eq!(rgb.get_pixel(0, 0), &image::Rgb([227, 142, 142]));
        assert_eq!(rgb.get_pixel(1, 0), &image::Rgb([255, 255, 255]));
        assert_eq!(rgb.get_pixel(2, 0), &image::Rgb([10, 20, 30]));
    }
}
