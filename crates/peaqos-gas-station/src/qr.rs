//! The setup QR code as SVG or PNG.

use std::fmt::Write as _;

use qrcode::{Color, EcLevel, QrCode};

pub use peaqos_types::faucet::QrFormat;

/// Pixels per module of the PNG.
const PNG_SCALE: usize = 8;
/// Quiet zone, in modules, on each side (the standard asks for 4).
const QUIET: usize = 4;

/// Renders `text` as a QR code (error correction M). Fails when `text` does not fit a QR code.
pub fn render(text: &str, format: QrFormat) -> Result<Vec<u8>, String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| format!("QR encoding failed: {e}"))?;
    let width = code.width();
    let colors = code.to_colors();
    let dark = |x: usize, y: usize| colors[y * width + x] == Color::Dark;
    match format {
        QrFormat::Svg => Ok(svg(width, dark).into_bytes()),
        QrFormat::Png => png(width, dark),
    }
}

fn svg(width: usize, dark: impl Fn(usize, usize) -> bool) -> String {
    let size = width + 2 * QUIET;
    let mut path = String::new();
    for y in 0..width {
        for x in 0..width {
            if dark(x, y) {
                // Writing to a String cannot fail.
                let _ = write!(path, "M{},{}h1v1h-1z", x + QUIET, y + QUIET);
            }
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" \
         version=\"1.1\" width=\"{px}\" height=\"{px}\" viewBox=\"0 0 {size} {size}\" \
         shape-rendering=\"crispEdges\"><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/>\
         <path fill=\"#000\" d=\"{path}\"/></svg>\n",
        px = size * PNG_SCALE,
    )
}

fn png(width: usize, dark: impl Fn(usize, usize) -> bool) -> Result<Vec<u8>, String> {
    let size = (width + 2 * QUIET) * PNG_SCALE;
    let side = u32::try_from(size).map_err(|_| "QR image too large".to_owned())?;
    // One bit per pixel, 1 = white.
    let row_bytes = size.div_ceil(8);
    let mut pixels = vec![0u8; row_bytes * size];
    for py in 0..size {
        for px in 0..size {
            let (mx, my) = (px / PNG_SCALE, py / PNG_SCALE);
            let inside =
                (QUIET..QUIET + width).contains(&mx) && (QUIET..QUIET + width).contains(&my);
            let black = inside && dark(mx - QUIET, my - QUIET);
            if !black {
                pixels[py * row_bytes + px / 8] |= 0x80 >> (px % 8);
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| e.to_string())?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_both_formats_and_refuses_oversize() {
        let uri = "otpauth://totp/peaq:0xabc?secret=JBSWY3DPEHPK3PXP&issuer=peaq";
        let svg = render(uri, QrFormat::Svg).expect("svg");
        assert!(svg.starts_with(b"<?xml") && svg.ends_with(b"</svg>\n"));
        let png = render(uri, QrFormat::Png).expect("png");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert!(render(&"x".repeat(4000), QrFormat::Svg).is_err());
    }
}
