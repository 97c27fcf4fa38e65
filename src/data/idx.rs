//! The IDX format of MNIST and Fashion-MNIST: a magic number (two zero bytes, a type byte 0x08 for
//! unsigned bytes, and the number of dimensions), the dimensions as big-endian u32, then the data.
//! Images have magic 2051 (n × rows × cols), labels 2049 (n). Files may be raw or gzip-compressed.
//! Headers are checked against the data actually present before anything large is allocated.

use super::{Dataset, Splits};
use crate::error::{Error, Result};
use flate2::read::GzDecoder;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// Magic number of an IDX image file (unsigned bytes, 3 dimensions).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX label file (unsigned bytes, 1 dimension).
pub const LABELS_MAGIC: u32 = 0x0000_0801;

/// A decoded IDX file of unsigned bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct IdxArray {
    /// The dimensions from the header.
    pub dims: Vec<usize>,
    /// The values, row-major.
    pub data: Vec<u8>,
}

/// Reads an IDX file (raw, or gzip when it starts with the gzip magic 1f 8b).
pub fn read_idx(path: &Path) -> Result<IdxArray> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = BufReader::new(file);
    let mut head = [0u8; 2];
    let is_gz = {
        use std::io::BufRead;
        let buf = reader.fill_buf().map_err(|e| Error::io(path, e))?;
        head.iter_mut().zip(buf).for_each(|(h, b)| *h = *b);
        head == [0x1f, 0x8b]
    };
    if is_gz { parse_idx(GzDecoder::new(reader), path) } else { parse_idx(reader, path) }
}

/// Parses IDX bytes from `reader`; `path` is used in error messages.
pub fn parse_idx<R: Read>(mut reader: R, path: &Path) -> Result<IdxArray> {
    let bad = |what: String| Error::format(path, what);
    let mut magic = [0u8; 4];
    reader.read_exact(&mut magic).map_err(|_| bad("file too short for an IDX header".into()))?;
    if magic[0] != 0 || magic[1] != 0 {
        return Err(bad(format!("not an IDX file (magic {:#010x})", u32::from_be_bytes(magic))));
    }
    if magic[2] != 0x08 {
        return Err(bad(format!("IDX type {:#04x} is not supported (only unsigned bytes, 0x08)", magic[2])));
    }
    let ndims = magic[3] as usize;
    if ndims == 0 || ndims > 4 {
        return Err(bad(format!("IDX header claims {ndims} dimensions")));
    }
    let mut dims = Vec::with_capacity(ndims);
    for _ in 0..ndims {
        let mut d = [0u8; 4];
        reader.read_exact(&mut d).map_err(|_| bad("truncated IDX header".into()))?;
        dims.push(u32::from_be_bytes(d) as usize);
    }
    let expected = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| bad(format!("IDX dimensions {dims:?} overflow")))?;
    // Read at most expected + 1 bytes; the vector grows with the data actually present, so a header
    // claiming billions of items cannot make us allocate more than the file holds.
    let mut data = Vec::new();
    reader.take(expected as u64 + 1).read_to_end(&mut data).map_err(|e| bad(format!("corrupt data: {e}")))?;
    if data.len() < expected {
        return Err(bad(format!(
            "truncated: header {dims:?} implies {expected} bytes of data, file holds {}",
            data.len()
        )));
    }
    if data.len() > expected {
        return Err(bad(format!("{} bytes beyond what the header {dims:?} describes", data.len() - expected)));
    }
    Ok(IdxArray { dims, data })
}

/// Reads an image file (magic 2051) and a label file (magic 2049) into a classification dataset
/// with pixels scaled to [0, 1] and 10 one-hot classes.
pub fn load_pair(images: &Path, labels: &Path) -> Result<(Dataset, (usize, usize))> {
    let img = read_idx(images)?;
    if img.dims.len() != 3 {
        return Err(Error::format(
            images,
            format!("expected image magic 2051 (3 dimensions), got {} dimensions", img.dims.len()),
        ));
    }
    let lab = read_idx(labels)?;
    if lab.dims.len() != 1 {
        return Err(Error::format(
            labels,
            format!("expected label magic 2049 (1 dimension), got {} dimensions", lab.dims.len()),
        ));
    }
    let (n, h, w) = (img.dims[0], img.dims[1], img.dims[2]);
    if lab.dims[0] != n {
        return Err(Error::format(labels, format!("{} labels for {n} images in {}", lab.dims[0], images.display())));
    }
    if let Some(&bad) = lab.data.iter().find(|&&l| l > 9) {
        return Err(Error::format(labels, format!("label {bad} outside 0..9")));
    }
    let x = scale_pixels(&img.data);
    drop(img);
    let labels = lab.data.iter().map(|&l| l as u32).collect();
    Ok((Dataset::classification(x, h * w, labels, 10), (h, w)))
}

/// x = p / 255 for every pixel byte p, in chunks on the machine's cores: most of the time goes to
/// the page faults of the new buffer (220 MB for MNIST), which the kernel serves in parallel.
fn scale_pixels(pixels: &[u8]) -> Vec<f32> {
    let threads = crate::parallel::default_threads().min(8);
    let chunk = pixels.len().div_ceil(threads).max(1 << 16);
    // calloc'ed: untouched pages are mapped lazily, so each thread faults in its own chunk.
    let mut x = vec![0f32; pixels.len()];
    std::thread::scope(|scope| {
        for (out, inp) in x.chunks_mut(chunk).zip(pixels.chunks(chunk)) {
            scope.spawn(move || out.iter_mut().zip(inp).for_each(|(v, &p)| *v = p as f32 / 255.0));
        }
    });
    x
}

/// Finds `stem` or `stem.gz` in `dir`.
fn idx_file(dir: &Path, stem: &str) -> Result<PathBuf> {
    let raw = dir.join(stem);
    if raw.is_file() {
        return Ok(raw);
    }
    let gz = dir.join(format!("{stem}.gz"));
    if gz.is_file() {
        return Ok(gz);
    }
    Err(Error::format(dir, format!("missing {stem} (or {stem}.gz)")))
}

/// Number of training images used for training in Nielsen's split; the rest are validation.
pub const NIELSEN_TRAIN: usize = 50_000;

/// Loads the four standard files of an MNIST-format dataset from `dir`, split as Nielsen does:
/// the first 50,000 training images train, the remaining ones validate, the t10k images test.
pub fn load_mnist_dir(name: &str, dir: &Path) -> Result<Splits> {
    let pair = |stem: &str| -> Result<(PathBuf, PathBuf)> {
        Ok((idx_file(dir, &format!("{stem}-images-idx3-ubyte"))?, idx_file(dir, &format!("{stem}-labels-idx1-ubyte"))?))
    };
    let (train_files, test_files) = (pair("train")?, pair("t10k")?);
    // The test pair is read on a second thread while the larger training pair inflates.
    let (train, test) = std::thread::scope(|scope| {
        let test = scope.spawn(|| load_pair(&test_files.0, &test_files.1));
        (load_pair(&train_files.0, &train_files.1), test.join())
    });
    let (train_all, shape) = train?;
    let (test, _) = test.map_err(|_| Error::format(&test_files.0, "the reading thread panicked".to_string()))??;
    let n = train_all.len();
    let cut = NIELSEN_TRAIN.min(n);
    let validation = (cut < n).then(|| train_all.slice(cut..n));
    // The training part is the first `cut` rows: truncate in place rather than copy (keeps peak
    // memory near one f32 copy of the dataset).
    let mut train = train_all;
    train.x.truncate(cut * train.n_features);
    train.x.shrink_to_fit();
    train.y.truncate(cut * train.n_outputs);
    train.y.shrink_to_fit();
    if let Some(labels) = &mut train.labels {
        labels.truncate(cut);
        labels.shrink_to_fit();
    }
    let class_names = if name == "fashion-mnist" {
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    } else {
        (0..10).map(|d| d.to_string()).collect()
    };
    Ok(Splits {
        name: name.to_string(),
        train,
        validation,
        test: Some(test),
        class_names: Some(class_names),
        image_shape: Some(shape),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The chunked, threaded scaling gives p / 255 for every byte, across chunk boundaries.
    #[test]
    fn scaled_pixels_are_bytes_over_255() {
        let pixels: Vec<u8> = (0..3 * (1 << 16) + 5).map(|i| (i * 7 % 256) as u8).collect();
        let x = scale_pixels(&pixels);
        assert_eq!(x.len(), pixels.len());
        assert!(x.iter().zip(&pixels).all(|(&v, &p)| v.to_bits() == (p as f32 / 255.0).to_bits()));
        assert!(scale_pixels(&[]).is_empty());
    }

    fn header(magic: u32, dims: &[u32]) -> Vec<u8> {
        let mut v = magic.to_be_bytes().to_vec();
        dims.iter().for_each(|d| v.extend_from_slice(&d.to_be_bytes()));
        v
    }

    #[test]
    fn parses_and_checks_lengths() {
        let p = Path::new("t");
        let mut bytes = header(LABELS_MAGIC, &[3]);
        bytes.extend_from_slice(&[1, 2, 3]);
        assert_eq!(parse_idx(&bytes[..], p).unwrap().data, vec![1, 2, 3]);
        let err = parse_idx(&bytes[..bytes.len() - 1], p).unwrap_err().to_string();
        assert!(err.contains("truncated"), "{err}");
        bytes.push(9);
        assert!(parse_idx(&bytes[..], p).unwrap_err().to_string().contains("beyond"));
    }

    #[test]
    fn huge_header_is_refused_without_allocating() {
        let bytes = header(IMAGES_MAGIC, &[4_000_000_000, 28, 28]);
        let err = parse_idx(&bytes[..], Path::new("huge")).unwrap_err().to_string();
        assert!(err.contains("truncated") && err.contains("huge"), "{err}");
    }

    #[test]
    fn wrong_magic_is_named() {
        let err = parse_idx(&[0x50u8, 0x4b, 3, 4, 0, 0][..], Path::new("x.zip")).unwrap_err().to_string();
        assert!(err.contains("not an IDX file"), "{err}");
    }
}
