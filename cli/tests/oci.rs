//! End-to-end tests of `sealkit sign`/`verify` on container images: OCI image layouts and
//! `docker save` archives built here from plain tar layers (no container engine), every kind of
//! tampering, and round trips through `skopeo copy`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use tempfile::TempDir;

const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const INDEX: &str = "application/vnd.oci.image.index.v1+json";
const LAYER: &str = "application/vnd.oci.image.layer.v1.tar";
const CONFIG: &str = "application/vnd.oci.image.config.v1+json";

#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A tar layer holding `files` (name, content), deterministic.
fn layer_tar(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_cksum();
        b.append_data(&mut h, name, *data).unwrap();
    }
    b.into_inner().unwrap()
}

struct T {
    dir: TempDir,
}

impl T {
    fn new() -> T {
        let t = T {
            dir: tempfile::tempdir().unwrap(),
        };
        let out = t.run(&["keygen", "-o", "k", "--unencrypted"]);
        assert_eq!(out.code, 0, "{out:?}");
        let out = t.run(&["keygen", "-o", "other", "--unencrypted"]);
        assert_eq!(out.code, 0, "{out:?}");
        t
    }

    fn p(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Out {
        let out = Command::new(env!("CARGO_BIN_EXE_sealkit"))
            .current_dir(self.dir.path())
            .env_remove("SEALKIT_PASSPHRASE")
            .env_remove("SOURCE_DATE_EPOCH")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        Out {
            code: out.status.code().unwrap(),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    }

    fn ok(&self, args: &[&str]) -> Out {
        let out = self.run(args);
        assert_eq!(out.code, 0, "{args:?}: {out:?}");
        out
    }

    fn sign(&self, target: &str, extra: &[&str]) -> Out {
        let mut a = vec![
            "sign",
            target,
            "--key",
            "k.key",
            "--identity",
            "ci@vendor.example",
        ];
        a.extend(extra);
        a.extend(["--issued-at", "1700000000", "--version", "3"]);
        self.ok(&a)
    }

    fn verify(&self, target: &str, extra: &[&str]) -> Out {
        let mut a = vec!["verify", target, "--key", "k.pub", "--json"];
        a.extend(extra);
        self.run(&a)
    }

    /// Verification fails with exit 1 and `code`; returns the JSON.
    fn rejected(&self, target: &str, extra: &[&str], code: u64) -> Value {
        let out = self.verify(target, extra);
        assert_eq!(out.code, 1, "{out:?}");
        let j = out.json();
        assert_eq!(j["verified"], false, "{j}");
        assert_eq!(j["error"]["code"], code, "{j}");
        j
    }
}

/// An OCI layout being built.
struct Layout {
    dir: PathBuf,
    index: Vec<Value>,
}

impl Layout {
    fn new(dir: PathBuf) -> Layout {
        fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
        fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
        Layout {
            dir,
            index: Vec::new(),
        }
    }

    fn blob(&self, media_type: &str, bytes: &[u8]) -> Value {
        let h = sha(bytes);
        fs::write(self.dir.join("blobs/sha256").join(&h), bytes).unwrap();
        json!({"mediaType": media_type, "digest": format!("sha256:{h}"), "size": bytes.len()})
    }

    fn path_of(&self, desc: &Value) -> PathBuf {
        let d = desc["digest"].as_str().unwrap();
        self.dir.join("blobs/sha256").join(&d[7..])
    }

    /// An image manifest with the given layers; returns (manifest descriptor, config, layers).
    fn image(&self, arch: &str, layers: &[Vec<u8>]) -> (Value, Value, Vec<Value>) {
        let descs: Vec<Value> = layers.iter().map(|l| self.blob(LAYER, l)).collect();
        let diff_ids: Vec<String> = layers
            .iter()
            .map(|l| format!("sha256:{}", sha(l)))
            .collect();
        let config = json!({"architecture": arch, "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": diff_ids}, "config": {}});
        let c = self.blob(CONFIG, &serde_json::to_vec(&config).unwrap());
        let m = json!({"schemaVersion": 2, "mediaType": MANIFEST, "config": c, "layers": descs});
        (
            self.blob(MANIFEST, &serde_json::to_vec(&m).unwrap()),
            c,
            descs,
        )
    }

    fn tag(&mut self, desc: &Value, tag: &str) {
        let mut d = desc.clone();
        d["annotations"] = json!({"org.opencontainers.image.ref.name": tag});
        self.index.push(d);
        self.write_index();
    }

    fn write_index(&self) {
        let idx = json!({"schemaVersion": 2, "manifests": self.index});
        fs::write(
            self.dir.join("index.json"),
            serde_json::to_vec(&idx).unwrap(),
        )
        .unwrap();
    }
}

fn three_layers() -> Vec<Vec<u8>> {
    vec![
        layer_tar(&[("etc/os-release", b"ID=test\n")]),
        layer_tar(&[("usr/bin/app", &vec![7u8; 300_000])]),
        layer_tar(&[("etc/app.conf", b"port=80\n")]),
    ]
}

/// A signed single-image layout `img` tagged `v1`.
fn signed_image(t: &T) -> (Layout, Value, Value, Vec<Value>) {
    let mut l = Layout::new(t.p("img"));
    let (m, c, layers) = l.image("amd64", &three_layers());
    l.tag(&m, "v1");
    let out = t.sign("oci:img:v1", &[]);
    assert!(out.stdout.contains("Signed image oci:img:v1"), "{out:?}");
    (l, m, c, layers)
}

#[test]
fn layout_round_trip_with_the_signature_stored_as_a_referrer() {
    let t = T::new();
    let (l, m, _, _) = signed_image(&t);
    let out = t.verify(
        "oci:img:v1",
        &["--identity", "ci@vendor.example", "--min-version", "3"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let j = out.json();
    assert_eq!(j["verified"], true);
    assert_eq!(j["manifest_digest"], m["digest"]);
    assert_eq!(j["content_type"], MANIFEST);
    assert_eq!(j["subject"], "v1");
    assert_eq!(j["length"], m["size"]);
    assert_eq!(j["blobs_checked"], 4);
    assert_eq!(j["unreferenced_blobs"], json!([]));
    assert!(j["signature"]
        .as_str()
        .unwrap()
        .starts_with("referrer sha256:"));

    // The referrer is an OCI 1.1 artifact manifest listed under the referrers tag.
    let index: Value =
        serde_json::from_slice(&fs::read(l.dir.join("index.json")).unwrap()).unwrap();
    let tag = format!("sha256-{}", &m["digest"].as_str().unwrap()[7..]);
    let entry = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["annotations"]["org.opencontainers.image.ref.name"] == tag.as_str())
        .expect("referrers tag");
    assert_eq!(entry["mediaType"], INDEX);
    let referrers: Value = serde_json::from_slice(&fs::read(l.path_of(entry)).unwrap()).unwrap();
    let art_desc = &referrers["manifests"][0];
    assert_eq!(
        art_desc["artifactType"],
        "application/vnd.sealkit.signature+cose"
    );
    let art: Value = serde_json::from_slice(&fs::read(l.path_of(art_desc)).unwrap()).unwrap();
    assert_eq!(art["subject"]["digest"], m["digest"]);
    assert_eq!(
        art["config"]["mediaType"],
        "application/vnd.oci.empty.v1+json"
    );
    let env = fs::read(l.path_of(&art["layers"][0])).unwrap();
    assert_eq!(env[0], 0xd2, "the layer is the COSE_Sign1 envelope");

    // A policy the signature does not meet.
    t.rejected("oci:img:v1", &["--identity", "someone@else"], 204);
    t.rejected("oci:img:v1", &["--subject", "v2"], 205);
    let out = t.run(&["verify", "oci:img:v1", "--key", "other.pub", "--json"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.json()["error"]["code"], 202);
    // A second signature (another key) joins the first in the referrers index; either may
    // verify.
    t.ok(&["sign", "oci:img:v1", "--key", "other.key"]);
    let index: Value =
        serde_json::from_slice(&fs::read(l.dir.join("index.json")).unwrap()).unwrap();
    let entry = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["annotations"]["org.opencontainers.image.ref.name"] == tag.as_str())
        .unwrap();
    let referrers: Value = serde_json::from_slice(&fs::read(l.path_of(entry)).unwrap()).unwrap();
    assert_eq!(referrers["manifests"].as_array().unwrap().len(), 2);
    // The superseded referrers index was removed: nothing is left over.
    let j = t.verify("oci:img:v1", &[]).json();
    assert_eq!(j["unreferenced_blobs"], json!([]), "{j}");
    assert_eq!(
        t.verify("oci:img", &[]).code,
        0,
        "the only image is found without a tag"
    );
    let out = t.run(&["verify", "oci:img:v1", "--key", "other.pub", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn a_changed_byte_in_a_layer_names_that_layer() {
    let t = T::new();
    let (l, _, _, layers) = signed_image(&t);
    let p = l.path_of(&layers[1]);
    let mut b = fs::read(&p).unwrap();
    b[1000] ^= 1;
    fs::write(&p, b).unwrap();
    let j = t.rejected("oci:img:v1", &[], 929);
    let f = j["failures"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{j}");
    assert_eq!(f[0]["blob"], "layer 2");
    assert_eq!(f[0]["digest"], layers[1]["digest"]);
    assert_eq!(f[0]["code"], 925);
    assert_eq!(f[0]["name"], "blob_digest_mismatch");
    let out = t.run(&["verify", "oci:img:v1", "--key", "k.pub"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("REJECTED") && out.stderr.contains("layer 2"),
        "{out:?}"
    );
}

#[test]
fn every_failing_blob_is_reported_not_only_the_first() {
    let t = T::new();
    let (l, _, c, layers) = signed_image(&t);
    fs::remove_file(l.path_of(&layers[0])).unwrap();
    fs::write(l.path_of(&layers[2]), b"shorter").unwrap();
    let mut cfg = fs::read(l.path_of(&c)).unwrap();
    let last = cfg.len() - 2;
    cfg[last] = b' ';
    fs::write(l.path_of(&c), cfg).unwrap();
    let j = t.rejected("oci:img:v1", &[], 929);
    let f: Vec<(String, u64)> = j["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["blob"].as_str().unwrap().to_string(),
                x["code"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        f,
        vec![
            ("config".to_string(), 925),
            ("layer 1".to_string(), 923),
            ("layer 3".to_string(), 924)
        ],
        "{j}"
    );
}

/// Replaces the tagged manifest with `new` (as an attacker who rewrites the layout would).
fn retag(l: &mut Layout, new: &Value) {
    l.index
        .retain(|e| e["annotations"]["org.opencontainers.image.ref.name"] != "v1");
    let mut idx: Value =
        serde_json::from_slice(&fs::read(l.dir.join("index.json")).unwrap()).unwrap();
    idx["manifests"]
        .as_array_mut()
        .unwrap()
        .retain(|e| e["annotations"]["org.opencontainers.image.ref.name"] != "v1");
    let mut d = new.clone();
    d["annotations"] = json!({"org.opencontainers.image.ref.name": "v1"});
    idx["manifests"].as_array_mut().unwrap().push(d);
    fs::write(l.dir.join("index.json"), serde_json::to_vec(&idx).unwrap()).unwrap();
}

#[test]
fn swapped_layers_and_an_extra_blob_reference_change_the_manifest_digest() {
    let t = T::new();
    let (mut l, m, c, layers) = signed_image(&t);
    // A detached copy of the signature too, to see the core's verdict on the new manifest.
    t.sign("oci:img:v1", &["-o", "img.sig"]);

    let swapped = json!({"schemaVersion": 2, "mediaType": MANIFEST, "config": c,
        "layers": [layers[1], layers[0], layers[2]]});
    let sm = l.blob(MANIFEST, &serde_json::to_vec(&swapped).unwrap());
    retag(&mut l, &sm);
    // The stored signature names the old manifest as its subject: it is not this image's.
    t.rejected("oci:img:v1", &[], 926);
    t.rejected("oci:img:v1", &["--sig", "img.sig"], 302);

    let extra = l.blob(LAYER, &layer_tar(&[("evil", b"x")]));
    let mut more = layers.clone();
    more.push(extra);
    let em = json!({"schemaVersion": 2, "mediaType": MANIFEST, "config": c, "layers": more});
    let em = l.blob(MANIFEST, &serde_json::to_vec(&em).unwrap());
    retag(&mut l, &em);
    // The manifest grew: more bytes than were signed.
    t.rejected("oci:img:v1", &["--sig", "img.sig"], 300);

    // Back to the signed manifest: it verifies again, and the leftovers are reported.
    retag(&mut l, &m);
    let out = t.verify("oci:img:v1", &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.json()["unreferenced_blobs"].as_array().unwrap().len(),
        3
    );
}

#[test]
fn a_changed_config_a_wrong_size_and_a_missing_manifest() {
    let t = T::new();
    let (l, m, c, layers) = signed_image(&t);
    let cp = l.path_of(&c);
    let good = fs::read(&cp).unwrap();
    let mut bad = good.clone();
    bad[5] ^= 0x20;
    fs::write(&cp, &bad).unwrap();
    let j = t.rejected("oci:img:v1", &[], 929);
    assert_eq!(j["failures"][0]["blob"], "config");
    assert_eq!(j["failures"][0]["code"], 925);
    fs::write(&cp, &good).unwrap();

    let lp = l.path_of(&layers[2]);
    let mut longer = fs::read(&lp).unwrap();
    longer.extend_from_slice(&[0u8; 512]);
    fs::write(&lp, longer).unwrap();
    let j = t.rejected("oci:img:v1", &[], 929);
    assert_eq!(j["failures"][0]["blob"], "layer 3");
    assert_eq!(j["failures"][0]["code"], 924);

    fs::remove_file(l.path_of(&m)).unwrap();
    t.rejected("oci:img:v1", &[], 923);
}

#[test]
fn bad_layouts_are_errors_not_crashes() {
    let t = T::new();
    let out = t.verify("oci:nothing:v1", &[]);
    assert_eq!(out.code, 2);
    assert_eq!(out.json()["error"]["code"], 920);
    let (mut l, _, _, _) = signed_image(&t);
    let out = t.verify("oci:img:v9", &[]);
    assert_eq!(out.code, 2);
    assert_eq!(out.json()["error"]["code"], 921);
    // A digest that would name a file outside the layout.
    l.index = vec![
        json!({"mediaType": MANIFEST, "digest": "sha256:../../../k.key", "size": 10,
        "annotations": {"org.opencontainers.image.ref.name": "v1"}}),
    ];
    l.write_index();
    let out = t.verify("oci:img:v1", &[]);
    assert_ne!(out.code, 0);
    assert_eq!(out.json()["error"]["code"], 920, "{out:?}");
    fs::write(l.dir.join("index.json"), b"{not json").unwrap();
    assert_eq!(t.verify("oci:img:v1", &[]).json()["error"]["code"], 920);
    // Signing refuses an image whose blobs are already broken.
    let mut l2 = Layout::new(t.p("broken"));
    let (m2, _, ls) = l2.image("amd64", &three_layers());
    l2.tag(&m2, "v1");
    fs::remove_file(l2.path_of(&ls[0])).unwrap();
    let out = t.run(&["sign", "oci:broken:v1", "--key", "k.key"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("not signed") && out.stderr.contains("layer 1"),
        "{out:?}"
    );
}

/// A layout `multi` with an image index tagged `1.0` of two platforms: linux/amd64 (three
/// layers) and linux/arm64/v8 (one layer). Returns (layout, amd64 manifest, arm64 manifest,
/// arm64 layers, index).
fn multi_platform(t: &T) -> (Layout, Value, Value, Vec<Value>, Value) {
    let mut l = Layout::new(t.p("multi"));
    let (amd, _, _) = l.image("amd64", &three_layers());
    let (arm, _, arm_layers) = l.image("arm64", &[layer_tar(&[("bin/arm", b"arm")])]);
    let mut a = amd.clone();
    a["platform"] = json!({"os": "linux", "architecture": "amd64"});
    let mut b = arm.clone();
    b["platform"] = json!({"os": "linux", "architecture": "arm64", "variant": "v8"});
    let idx = json!({"schemaVersion": 2, "mediaType": INDEX, "manifests": [a, b]});
    let i = l.blob(INDEX, &serde_json::to_vec(&idx).unwrap());
    l.tag(&i, "1.0");
    (l, amd, arm, arm_layers, i)
}

#[test]
fn an_image_index_is_signed_and_every_platform_is_verified_through_it() {
    let t = T::new();
    let (l, amd, _, arm_layers, _) = multi_platform(&t);
    t.sign("oci:multi:1.0", &[]);
    let out = t.verify("oci:multi:1.0", &[]);
    assert_eq!(out.code, 0, "{out:?}");
    let j = out.json();
    assert_eq!(j["content_type"], INDEX);
    assert_eq!(j["blobs_checked"], 2 + 4 + 2, "{j}");

    let p = l.path_of(&arm_layers[0]);
    let mut x = fs::read(&p).unwrap();
    x[600] ^= 4;
    fs::write(&p, x).unwrap();
    let j = t.rejected("oci:multi:1.0", &[], 929);
    assert_eq!(j["failures"].as_array().unwrap().len(), 1);
    assert_eq!(
        j["failures"][0]["blob"],
        "layer 1 of manifest linux/arm64/v8 (entry 2) of the image index"
    );
    fs::remove_file(l.path_of(&amd)).unwrap();
    let j = t.rejected("oci:multi:1.0", &[], 929);
    assert_eq!(j["failures"][0]["code"], 923);
    assert_eq!(
        j["failures"][0]["blob"],
        "manifest linux/amd64 (entry 1) of the image index"
    );
}

/// A legacy `docker save` archive (as Docker before 25 and skopeo write it).
fn legacy_archive(path: &Path, signed: &[Vec<u8>], layers: &[Vec<u8>], duplicate: bool) -> Vec<u8> {
    let diff_ids: Vec<String> = signed
        .iter()
        .map(|l| format!("sha256:{}", sha(l)))
        .collect();
    let config = serde_json::to_vec(&json!({"architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids}}))
    .unwrap();
    let config_name = format!("{}.json", sha(&config));
    let layer_names: Vec<String> = signed
        .iter()
        .map(|l| format!("{}/layer.tar", &sha(l)[..12]))
        .collect();
    let manifest =
        json!([{"Config": config_name, "RepoTags": ["example/app:1.0"], "Layers": layer_names}]);
    let mut files: Vec<(String, Vec<u8>)> = vec![(config_name, config.clone())];
    for (n, l) in layer_names.iter().zip(layers) {
        files.push((n.clone(), l.clone()));
    }
    if duplicate {
        files.push((layer_names[0].clone(), layer_tar(&[("evil", b"!")])));
    }
    files.push((
        "manifest.json".into(),
        serde_json::to_vec(&manifest).unwrap(),
    ));
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    fs::write(path, layer_tar(&refs)).unwrap();
    config
}

#[test]
fn legacy_docker_save_archive_signs_the_image_configuration() {
    let t = T::new();
    let layers = three_layers();
    let config = legacy_archive(&t.p("app.tar"), &layers, &layers, false);
    let out = t.sign("docker-archive:app.tar", &[]);
    assert!(out.stdout.contains("app.tar.sig"), "{out:?}");
    let out = t.verify("docker-archive:app.tar:example/app:1.0", &[]);
    assert_eq!(out.code, 0, "{out:?}");
    let j = out.json();
    assert_eq!(
        j["content_type"],
        "application/vnd.docker.container.image.v1+json"
    );
    assert_eq!(j["manifest_digest"], format!("sha256:{}", sha(&config)));
    assert_eq!(j["subject"], "example/app:1.0");
    assert_eq!(j["blobs_checked"], 3);
    // The full name matches too.
    assert_eq!(
        t.verify("docker-archive:app.tar:docker.io/example/app:1.0", &[])
            .code,
        0
    );

    // One changed byte in a layer, inside the archive.
    let mut tampered = layers.clone();
    tampered[1][700] ^= 1;
    legacy_archive(&t.p("app.tar"), &layers, &tampered, false);
    let j = t.rejected("docker-archive:app.tar", &[], 929);
    assert_eq!(j["failures"].as_array().unwrap().len(), 1, "{j}");
    assert_eq!(j["failures"][0]["code"], 925);
    assert!(
        j["failures"][0]["blob"]
            .as_str()
            .unwrap()
            .starts_with("layer 2 "),
        "{j}"
    );

    // Two entries with the same name: ambiguous, refused.
    legacy_archive(&t.p("app.tar"), &layers, &layers, true);
    let j = t.rejected("docker-archive:app.tar", &[], 927);
    assert!(j["error"]["message"].as_str().unwrap().contains("twice"));
}

#[test]
fn docker_save_archive_with_an_oci_layout_inside_signs_the_manifest() {
    let t = T::new();
    let mut l = Layout::new(t.p("inner"));
    let (m, _, layers) = l.image("amd64", &three_layers());
    let mut d = m.clone();
    d["annotations"] = json!({"io.containerd.image.name": "docker.io/library/app:2.0",
        "org.opencontainers.image.ref.name": "2.0"});
    l.index.push(d);
    l.write_index();
    let build = |t: &T, l: &Layout| {
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        for e in fs::read_dir(l.dir.join("blobs/sha256")).unwrap() {
            let e = e.unwrap();
            files.push((
                format!("blobs/sha256/{}", e.file_name().to_str().unwrap()),
                fs::read(e.path()).unwrap(),
            ));
        }
        files.sort();
        for f in ["index.json", "oci-layout"] {
            files.push((f.into(), fs::read(l.dir.join(f)).unwrap()));
        }
        let refs: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        fs::write(t.p("new.tar"), layer_tar(&refs)).unwrap();
    };
    build(&t, &l);
    t.sign("docker-archive:new.tar:app:2.0", &[]);
    let out = t.verify("docker-archive:new.tar", &[]);
    assert_eq!(out.code, 0, "{out:?}");
    let j = out.json();
    assert_eq!(j["content_type"], MANIFEST);
    assert_eq!(j["manifest_digest"], m["digest"]);
    assert_eq!(j["subject"], "docker.io/library/app:2.0");

    let p = l.path_of(&layers[0]);
    let mut b = fs::read(&p).unwrap();
    b[100] ^= 8;
    fs::write(&p, b).unwrap();
    build(&t, &l);
    let j = t.rejected("docker-archive:new.tar", &[], 929);
    assert_eq!(j["failures"][0]["blob"], "layer 1");
}

fn skopeo() -> &'static str {
    let ok = Command::new("skopeo")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "skopeo is not installed: these tests need Debian's `skopeo` package (apt-get install skopeo)"
    );
    "skopeo"
}

fn skopeo_copy(t: &T, args: &[&str]) {
    let out = Command::new(skopeo())
        .current_dir(t.dir.path())
        .args(["copy", "--quiet"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "skopeo copy {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn skopeo_copy_keeps_the_manifest_and_carries_the_referrers_tag() {
    let t = T::new();
    // skopeo keeps manifests byte for byte when it has nothing to convert: gzip layers.
    let mut l = Layout::new(t.p("a"));
    let gz: Vec<Vec<u8>> = three_layers().iter().map(|r| gzip(r)).collect();
    let descs: Vec<Value> = gz
        .iter()
        .map(|g| l.blob("application/vnd.oci.image.layer.v1.tar+gzip", g))
        .collect();
    let diff_ids: Vec<String> = three_layers()
        .iter()
        .map(|r| format!("sha256:{}", sha(r)))
        .collect();
    let cfg = l.blob(
        CONFIG,
        &serde_json::to_vec(&json!({"architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids}, "config": {}}))
        .unwrap(),
    );
    let m = l.blob(
        MANIFEST,
        &serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": MANIFEST,
        "config": cfg, "layers": descs}))
        .unwrap(),
    );
    l.tag(&m, "v1");
    t.sign("oci:a:v1", &[]);
    t.sign("oci:a:v1", &["-o", "a.sig"]);

    // Copying the image alone: same manifest digest, but skopeo does not copy referrers.
    skopeo_copy(&t, &["oci:a:v1", "oci:b:v1"]);
    t.rejected("oci:b:v1", &[], 926);
    let out = t.verify("oci:b:v1", &["--sig", "a.sig"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["manifest_digest"], m["digest"]);
    // Copying the referrers tag as well (an image index: --all) carries the signature along.
    let tag = format!("sha256-{}", &m["digest"].as_str().unwrap()[7..]);
    skopeo_copy(
        &t,
        &["--all", &format!("oci:a:{tag}"), &format!("oci:b:{tag}")],
    );
    let out = t.verify("oci:b:v1", &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["unreferenced_blobs"], json!([]));

    // A tampered copy is still caught after the round trip.
    let lb = Layout::new(t.p("b"));
    let p = lb.path_of(&descs[1]);
    let mut x = fs::read(&p).unwrap();
    let n = x.len() / 2;
    x[n] ^= 1;
    fs::write(&p, x).unwrap();
    let j = t.rejected("oci:b:v1", &[], 929);
    assert_eq!(j["failures"][0]["blob"], "layer 2");

    // skopeo writes a docker save archive: it verifies as one too (signed there).
    skopeo_copy(&t, &["oci:a:v1", "docker-archive:a.tar:example/app:v1"]);
    t.sign("docker-archive:a.tar", &[]);
    let out = t.verify("docker-archive:a.tar:example/app:v1", &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["subject"], "docker.io/example/app:v1");
}

/// A `docker-registry` (Debian's package) serving on 127.0.0.1, stopped when dropped.
struct Registry {
    child: std::process::Child,
    port: u16,
    _dir: TempDir,
}

impl Registry {
    fn start() -> Registry {
        let bin = "docker-registry";
        let ok = Command::new("sh")
            .args(["-c", "command -v docker-registry"])
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            ok,
            "docker-registry is not installed: this test needs Debian's `docker-registry` package \
             (apt-get install docker-registry; scripts/oci-fixtures/install.sh)"
        );
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n\
             http:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        );
        fs::write(dir.path().join("config.yml"), config).unwrap();
        let child = Command::new(bin)
            .arg("serve")
            .arg(dir.path().join("config.yml"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let reg = Registry {
            child,
            port,
            _dir: dir,
        };
        // Wait until it accepts connections (bounded: 200 tries, 50 ms apart).
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return reg;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("docker-registry did not start on 127.0.0.1:{port}");
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn gzip(raw: &[u8]) -> Vec<u8> {
    use std::io::{Read as _, Write as _};
    let mut c = Command::new("gzip")
        .args(["-n", "-c"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = c.stdin.take().unwrap();
    let raw = raw.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&raw).unwrap());
    let mut out = Vec::new();
    c.stdout.take().unwrap().read_to_end(&mut out).unwrap();
    writer.join().unwrap();
    assert!(c.wait().unwrap().success());
    out
}

/// A layout `name` with one gzip-layered image tagged `v1` (which skopeo copies unchanged).
fn gzip_image(t: &T, name: &str, layers: &[Vec<u8>]) -> Value {
    let mut l = Layout::new(t.p(name));
    let descs: Vec<Value> = layers
        .iter()
        .map(|r| l.blob("application/vnd.oci.image.layer.v1.tar+gzip", &gzip(r)))
        .collect();
    let diff_ids: Vec<String> = layers
        .iter()
        .map(|r| format!("sha256:{}", sha(r)))
        .collect();
    let cfg = l.blob(
        CONFIG,
        &serde_json::to_vec(&json!({"architecture": "amd64", "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": diff_ids}, "config": {}}))
        .unwrap(),
    );
    let m = l.blob(
        MANIFEST,
        &serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": MANIFEST,
            "config": cfg, "layers": descs}))
        .unwrap(),
    );
    l.tag(&m, "v1");
    m
}

#[test]
fn registry_signatures_are_pushed_and_found_as_referrers() {
    let t = T::new();
    let reg = Registry::start();
    let m = gzip_image(&t, "a", &three_layers());
    let dest = format!("docker://127.0.0.1:{}/vendor/app:v1", reg.port);
    skopeo_copy(&t, &["--dest-tls-verify=false", "oci:a:v1", &dest]);
    let target = format!("registry://127.0.0.1:{}/vendor/app:v1", reg.port);
    t.sign(&target, &["--subject", "vendor/app:v1"]);
    t.sign("oci:a:v1", &["-o", "a.sig"]);

    let out = t.verify(
        &target,
        &["--subject", "vendor/app:v1", "--min-version", "3"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let j = out.json();
    assert_eq!(
        j["manifest_digest"], m["digest"],
        "skopeo pushed the manifest unchanged"
    );
    assert_eq!(j["blobs_checked"], 4);
    assert!(j["signature"]
        .as_str()
        .unwrap()
        .starts_with("referrer sha256:"));
    let out = t.run(&["verify", &target, "--key", "other.pub", "--json"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.json()["error"]["code"], 202);

    // The signature travels with skopeo: pull the image and its referrers tag into a layout.
    let tag = format!("sha256-{}", &m["digest"].as_str().unwrap()[7..]);
    let src = format!("docker://127.0.0.1:{}/vendor/app", reg.port);
    skopeo_copy(
        &t,
        &[
            "--src-tls-verify=false",
            &format!("{src}:v1"),
            "oci:pulled:v1",
        ],
    );
    skopeo_copy(
        &t,
        &[
            "--src-tls-verify=false",
            "--all",
            &format!("{src}:{tag}"),
            &format!("oci:pulled:{tag}"),
        ],
    );
    let out = t.verify("oci:pulled:v1", &["--subject", "vendor/app:v1"]);
    assert_eq!(out.code, 0, "{out:?}");

    // Another image pushed over the tag: its manifest is not the signed one.
    let _other = gzip_image(&t, "b", &[layer_tar(&[("evil", b"payload")])]);
    skopeo_copy(&t, &["--dest-tls-verify=false", "oci:b:v1", &dest]);
    t.rejected(&target, &[], 926);
    // (Its manifest lists one layer instead of three: fewer bytes than were signed.)
    let j = t.rejected(&target, &["--sig", "a.sig"], 301);
    assert!(
        j["error"]["message"].as_str().unwrap().contains("a.sig"),
        "{j}"
    );
    // A registry that is not on this machine is refused before any connection.
    let out = t.verify("registry://registry.invalid/app:v1", &[]);
    assert_eq!(out.code, 2, "{out:?}");
}

#[test]
fn damaged_layouts_and_archives_are_refused_never_a_crash() {
    let t = T::new();
    let (l, _, _, _) = signed_image(&t);
    let index = fs::read(l.dir.join("index.json")).unwrap();
    // Cut index.json at many points and flip bytes in it: always a verdict (exit 1 or 2),
    // never a panic (exit 101) and never a success.
    let step = (index.len() / 12).max(1);
    for cut in (0..index.len()).step_by(step) {
        fs::write(l.dir.join("index.json"), &index[..cut]).unwrap();
        let out = t.verify("oci:img:v1", &[]);
        assert!(out.code == 1 || out.code == 2, "cut {cut}: {out:?}");
        let mut flipped = index.clone();
        flipped[cut] ^= 0x41;
        fs::write(l.dir.join("index.json"), &flipped).unwrap();
        let out = t.verify("oci:img:v1", &[]);
        assert!(matches!(out.code, 0..=2), "flip {cut}: {out:?}");
        assert!(out.stdout.starts_with('{'), "flip {cut}: {out:?}");
    }
    fs::write(l.dir.join("index.json"), &index).unwrap();
    assert_eq!(t.verify("oci:img:v1", &[]).code, 0);

    let layers = three_layers();
    legacy_archive(&t.p("app.tar"), &layers, &layers, false);
    t.sign("docker-archive:app.tar", &[]);
    let full = fs::read(t.p("app.tar")).unwrap();
    let step = full.len() / 16;
    for cut in (0..full.len()).step_by(step) {
        fs::write(t.p("app.tar"), &full[..cut]).unwrap();
        let out = t.verify("docker-archive:app.tar", &[]);
        assert!(out.code == 1 || out.code == 2, "cut {cut}: {out:?}");
    }
}

#[test]
fn gzip_compressed_docker_save_archives_are_read_through_flate2() {
    let t = T::new();
    let layers = three_layers();
    let config = legacy_archive(&t.p("app.tar"), &layers, &layers, false);
    // `docker save | gzip`: recognised by its magic bytes, whatever its name.
    let raw = fs::read(t.p("app.tar")).unwrap();
    fs::write(t.p("app.tar.gz"), gzip(&raw)).unwrap();
    fs::write(t.p("app-gz"), gzip(&raw)).unwrap();
    let out = t.sign("docker-archive:app.tar.gz", &[]);
    assert!(out.stdout.contains("app.tar.gz.sig"), "{out:?}");
    let out = t.verify("docker-archive:app.tar.gz", &[]);
    assert_eq!(out.code, 0, "{out:?}");
    let j = out.json();
    assert_eq!(j["manifest_digest"], format!("sha256:{}", sha(&config)));
    assert_eq!(j["blobs_checked"], 3);
    // The same signature verifies the plain archive and a gzip copy under another name.
    assert_eq!(
        t.verify("docker-archive:app.tar", &["--sig", "app.tar.gz.sig"])
            .code,
        0
    );
    assert_eq!(
        t.verify("docker-archive:app-gz", &["--sig", "app.tar.gz.sig"])
            .code,
        0
    );

    // A tampered layer inside the compressed archive names that layer.
    let mut tampered = layers.clone();
    tampered[2][300] ^= 1;
    legacy_archive(&t.p("bad.tar"), &layers, &tampered, false);
    fs::write(t.p("bad.tar.gz"), gzip(&fs::read(t.p("bad.tar")).unwrap())).unwrap();
    let j = t.rejected(
        "docker-archive:bad.tar.gz",
        &["--sig", "app.tar.gz.sig"],
        929,
    );
    assert!(
        j["failures"][0]["blob"]
            .as_str()
            .unwrap()
            .starts_with("layer 3 "),
        "{j}"
    );

    // A truncated gzip stream is a damaged archive (exit 2), never a crash or a verdict.
    let gz = fs::read(t.p("app.tar.gz")).unwrap();
    fs::write(t.p("cut.tar.gz"), &gz[..gz.len() - 9]).unwrap();
    let out = t.verify("docker-archive:cut.tar.gz", &["--sig", "app.tar.gz.sig"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(out.json()["error"]["code"], 927);
    // Bytes appended after the gzip stream are refused too (not a second gzip member).
    let mut appended = gz.clone();
    appended.extend_from_slice(b"trailing garbage");
    fs::write(t.p("more.tar.gz"), &appended).unwrap();
    let out = t.verify("docker-archive:more.tar.gz", &["--sig", "app.tar.gz.sig"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(out.json()["error"]["code"], 927);
}

#[test]
fn platform_selects_one_manifest_of_an_index_for_sign_and_verify() {
    let t = T::new();
    let (l, _, arm, arm_layers, i) = multi_platform(&t);

    let out = t.sign("oci:multi:1.0", &["--platform", "linux/arm64"]);
    assert!(out.stdout.contains("platform:   linux/arm64/v8"), "{out:?}");
    // The signature is the arm64 manifest's: verified with --platform ...
    let out = t.verify("oci:multi:1.0", &["--platform", "linux/arm64/v8"]);
    assert_eq!(out.code, 0, "{out:?}");
    let j = out.json();
    assert_eq!(j["manifest_digest"], arm["digest"]);
    assert_eq!(j["content_type"], MANIFEST);
    assert_eq!(j["platform"], "linux/arm64/v8");
    assert_eq!(j["index_digest"], i["digest"]);
    assert_eq!(
        j["blobs_checked"], 2,
        "only that platform's config and layer"
    );
    // ... while the index itself is not signed, and the other platform has no signature.
    t.rejected("oci:multi:1.0", &[], 926);
    t.rejected("oci:multi:1.0", &["--platform", "linux/amd64"], 926);
    // Unknown platform, a platform of a plain manifest, --platform on a file: usage errors.
    let out = t.verify("oci:multi:1.0", &["--platform", "linux/s390x"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(out.json()["error"]["code"], 921);
    let mut single = Layout::new(t.p("single"));
    let (m, _, _) = single.image("amd64", &three_layers());
    single.tag(&m, "v1");
    let out = t.run(&[
        "sign",
        "oci:single:v1",
        "--key",
        "k.key",
        "--platform",
        "linux/amd64",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    fs::write(t.p("f.bin"), b"x").unwrap();
    let out = t.run(&[
        "sign",
        "f.bin",
        "--key",
        "k.key",
        "--platform",
        "linux/amd64",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--platform applies only"), "{out:?}");

    // A tampered layer of the chosen platform is named.
    let p = l.path_of(&arm_layers[0]);
    let mut x = fs::read(&p).unwrap();
    x[600] ^= 4;
    fs::write(&p, x).unwrap();
    let j = t.rejected("oci:multi:1.0", &["--platform", "linux/arm64"], 929);
    assert_eq!(j["failures"][0]["blob"], "layer 1");
    assert_eq!(j["failures"][0]["digest"], arm_layers[0]["digest"]);
}
