//! The README's library example is `examples/quickstart.rs` (which CI builds), word for word.

#[test]
fn the_readme_s_library_example_is_the_quickstart_example() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let example = std::fs::read_to_string(root.join("examples/quickstart.rs")).unwrap();
    let body = &example[example.find("use neuralnet::").expect("a use line")..];
    assert!(
        readme.contains(&format!("```rust\n{body}```\n")),
        "README's ```rust block differs from examples/quickstart.rs"
    );
}
