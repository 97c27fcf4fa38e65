//! Parquet values as text cells: numbers that read back as the same numbers.

use super::text::*;
use super::*;

#[test]
fn f32_text_reads_back_through_f64_as_the_same_f32() {
    // All 4,278,190,080 finite f32s were checked once: the shortest `{}` text, parsed as f64
    // and cast to f32, gives the same f32 for every one but ±7.038531e-26 (bits 0x15ae43fd),
    // whose decimal rounds to f64 exactly between two f32s and then to the even one. Here:
    // every 65,537th bit pattern, some edges and that exception.
    let odd = f32::from_bits(0x15ae_43fd);
    assert_ne!(odd.to_string().parse::<f64>().unwrap() as f32, odd, "the known exception");
    assert_eq!(f32_text(odd), f64::from(odd).to_string());
    let edges = [f32::MIN_POSITIVE, f32::MAX, f32::MIN, f32::EPSILON, 1e-45, 5.1, 0.1, 16_777_217.0, odd, -odd];
    for v in (0..u32::MAX).step_by(65_537).map(f32::from_bits).chain(edges).filter(|v| v.is_finite()) {
        let text = f32_text(v);
        assert_eq!(text.parse::<f64>().unwrap() as f32, v, "{text}");
        assert!(text == v.to_string() || v.abs() == odd, "{text} is not the shortest text of {v}");
    }
    assert_eq!(f32_text(5.1), "5.1");
    assert_eq!(f32_text(f32::NAN), "NaN");
}

#[test]
fn decimals_halves_dates_times_and_byte_arrays() {
    let big = "-1.70141183460469231731687303715884105728";
    for (v, scale, text) in [(1250, 2, "12.50"), (-5, 3, "-0.005"), (42, 0, "42"), (i128::MIN, 38, big)] {
        assert_eq!(decimal_text(v, scale), text);
    }
    for (bits, v) in [(0x3c00, 1.0), (0xc000, -2.0), (0x0001, 2f32.powi(-24)), (0x7bff, 65_504.0)] {
        assert_eq!(f16_to_f32(bits), v);
    }
    for (days, text) in [(0, "1970-01-01"), (19_753, "2024-01-31"), (-1, "1969-12-31"), (11_016, "2000-02-29")] {
        assert_eq!(date_text(days), text);
    }
    let times = [
        (49_500_250, Kind::Time(1_000), "13:45:00.250"),
        (1_706_708_700_000_000, Kind::Timestamp(1_000_000, true), "2024-01-31T13:45:00Z"),
        (-1, Kind::Timestamp(1_000_000_000, false), "1969-12-31T23:59:59.999999999"),
    ];
    for (v, kind, text) in times {
        assert_eq!(integer_text(v, kind).unwrap(), text);
    }
    assert_eq!(bytes_text(b" setosa ", Kind::Text).unwrap(), "setosa");
    assert!(bytes_text(&[0xff, 0xfe], Kind::Text).unwrap_err().contains("not UTF-8"));
    assert_eq!(bytes_text(&[0xfb, 0x2e], Kind::Decimal(2)).unwrap(), "-12.34");
    assert!(bytes_text(&[0; 17], Kind::Decimal(0)).is_err());
    assert_eq!(bytes_text(&[0x00, 0x3c], Kind::Float16).unwrap(), "1");
    let uuid: Vec<u8> = (0..16).collect();
    assert_eq!(bytes_text(&uuid, Kind::Uuid).unwrap(), "00010203-0405-0607-0809-0a0b0c0d0e0f");
}
