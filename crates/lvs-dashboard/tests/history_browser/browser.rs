//! Debian's chromium, headless, one run per page: its serialised DOM or
//! a screenshot (decoded to RGB pixels). A missing browser is a failure,
//! not a skip: this test runs only from `make dashboard-test`, whose
//! machines install it (.ci/run).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Chromium {
    profile: tempfile::TempDir,
}

pub struct Image {
    pub width: usize,
    pub height: usize,
    /// RGB, row by row.
    pub pixels: Vec<[u8; 3]>,
}

impl Image {
    pub fn at(&self, x: usize, y: usize) -> [u8; 3] {
        self.pixels[y * self.width + x]
    }
}

impl Chromium {
    pub fn new() -> Chromium {
        let found = Command::new("chromium")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(
            found,
            "chromium is missing (Debian package chromium, installed by .ci/run)"
        );
        Chromium {
            profile: tempfile::tempdir().unwrap(),
        }
    }

    fn run(&self, args: &[&str]) -> Vec<u8> {
        let mut child = Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                // Scrollbars would take columns of the screenshots.
                "--hide-scrollbars",
            ])
            .arg(format!("--user-data-dir={}", self.profile.path().display()))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        let mut out = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            std::io::Read::read_to_end(&mut out, &mut buf).map(|_| buf)
        });
        let deadline = Instant::now() + Duration::from_secs(90);
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium {args:?} did not finish in 90 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(status.success(), "chromium {args:?}: {status}");
        reader.join().unwrap().unwrap()
    }

    pub fn dump_dom(&self, url: &str) -> String {
        String::from_utf8(self.run(&["--dump-dom", url])).unwrap()
    }

    pub fn screenshot(&self, url: &str, width: u32, height: u32, file: &Path) -> Image {
        let _ = std::fs::remove_file(file);
        self.run(&[
            &format!("--screenshot={}", file.display()),
            &format!("--window-size={width},{height}"),
            url,
        ]);
        decode(file)
    }
}

fn decode(file: &Path) -> Image {
    let f = std::io::BufReader::new(std::fs::File::open(file).expect("screenshot written"));
    let mut decoder = png::Decoder::new(f);
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    assert!(channels >= 3, "screenshot in {:?}", info.color_type);
    let pixels = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    Image {
        width: info.width as usize,
        height: info.height as usize,
        pixels,
    }
}
