//! `neuralnet export` and `--init-from` of a PyTorch state dict: the ONNX graph's structure
//! (decoded with the protobuf messages: opset, inputs, outputs, metadata, the table's
//! preprocessing), the state dict's layout and Python lines, a PyTorch-layout file coming back in
//! with the same weights and figures, and bad input refused with one line and exit code 2.
//! ONNX Runtime runs the graphs in `python/tests/test_export.py`.

mod common;

use common::{assert_fails, outcome};
use neuralnet::export::{OPSET, onnx, torch_state_dict};
use neuralnet::{Activation, Cost, Model, Network};
use onnx_protobuf::tensor_proto::DataType;
use onnx_protobuf::type_proto;
use onnx_protobuf::{Message, ModelProto, ValueInfoProto};
use safetensors::SafeTensors;
use safetensors::tensor::{Dtype, TensorView};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const PENGUINS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/tables/penguins.csv");

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// Trains a small model with `args` (quietly) into `dir/name` and loads it.
fn train(dir: &Path, name: &str, args: &[&str]) -> (PathBuf, Model) {
    let out = dir.join(name);
    let mut all = vec!["train", "-q", "--out", s(&out)];
    all.extend_from_slice(args);
    let (code, _, stderr) = outcome(&all);
    assert_eq!(code, 0, "{stderr}");
    let model = Model::load(&out).expect("the model loads");
    (out, model)
}

/// Element type and shape (`N` for the batch) of a graph input or output.
fn signature(v: &ValueInfoProto) -> (i32, Vec<String>) {
    let Some(type_proto::Value::TensorType(t)) = &v.type_.value else { panic!("{} is not a tensor", v.name) };
    let dims = t.shape.dim.iter().map(|d| format!("{:?}", d.value)).collect();
    (t.elem_type, dims)
}

fn metadata(m: &ModelProto) -> HashMap<String, String> {
    m.metadata_props.iter().map(|e| (e.key.clone(), e.value.clone())).collect()
}

/// An image model's graph: opset 19, one float input N × 64, the layers as Gemm nodes with the
/// model's weights, softmax, probabilities and a string label gathered from the class names.
#[test]
fn image_model_graph_has_pixels_in_and_probabilities_and_label_out() {
    let dir = tempdir();
    let (_, model) = train(dir.path(), "d.model", &["--dataset", "digits", "--layers", "64,12,10", "--epochs", "1"]);
    let m = ModelProto::parse_from_bytes(&onnx(&model).unwrap()).expect("valid protobuf");
    assert_eq!((m.ir_version, m.opset_import.len(), m.opset_import[0].version), (9, 1, OPSET));
    assert_eq!(m.opset_import[0].domain, "");
    let g = &m.graph;
    let inputs: Vec<&str> = g.input.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(inputs, ["input"]);
    assert_eq!(signature(&g.input[0]).0, DataType::FLOAT as i32);
    assert_eq!(signature(&g.input[0]).1, [r#"Some(DimParam("N"))"#, "Some(DimValue(64))"]);
    let outputs: Vec<(&str, i32)> = g.output.iter().map(|o| (o.name.as_str(), signature(o).0)).collect();
    assert_eq!(outputs, [("probabilities", DataType::FLOAT as i32), ("label", DataType::STRING as i32)]);
    let ops: Vec<&str> = g.node.iter().map(|n| n.op_type.as_str()).collect();
    assert_eq!(ops, ["Gemm", "Relu", "Gemm", "Softmax", "Identity", "ArgMax", "Gather"]);
    let w0 = g.initializer.iter().find(|t| t.name == "layer0.weight").expect("layer 0's weight");
    assert_eq!((w0.dims.clone(), w0.float_data.as_slice()), (vec![12, 64], model.network.weight(0)));
    let names = g.initializer.iter().find(|t| t.name == "class_names").expect("class names");
    let names: Vec<String> = names.string_data.iter().map(|b| String::from_utf8(b.clone()).unwrap()).collect();
    assert_eq!(Some(names), model.class_names);
    let meta = metadata(&m);
    assert_eq!(meta["neuralnet_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(meta["sizes"], "64,12,10");
    assert_eq!(meta["activations"], "relu,softmax");
    assert_eq!(meta["class_names"], r#"["0","1","2","3","4","5","6","7","8","9"]"#);
    assert_eq!(meta["image_shape"], "8,8");
}

/// A table model's graph takes one input per feature column (numbers as float, text as string),
/// imputes and flags missing numbers, one-hot encodes the categories and standardises.
#[test]
fn table_model_graph_takes_one_input_per_column() {
    let dir = tempdir();
    let (_, model) = train(dir.path(), "p.model", &["--train", PENGUINS, "--target", "species", "--epochs", "2"]);
    let m = ModelProto::parse_from_bytes(&onnx(&model).unwrap()).unwrap();
    let g = &m.graph;
    let inputs: Vec<(&str, i32)> = g.input.iter().map(|i| (i.name.as_str(), signature(i).0)).collect();
    let (f, t) = (DataType::FLOAT as i32, DataType::STRING as i32);
    let expected = [
        ("island", t),
        ("bill_length_mm", f),
        ("bill_depth_mm", f),
        ("flipper_length_mm", f),
        ("body_mass_g", f),
        ("sex", t),
        ("year", f),
    ];
    assert_eq!(inputs, expected);
    let produced: Vec<&str> = g.node.iter().flat_map(|n| n.output.iter().map(String::as_str)).collect();
    for tensor in ["bill_depth_mm/imputed", "bill_depth_mm/missing_indicator", "sex/is_missing", "sex/one_hot"] {
        assert!(produced.contains(&tensor), "no {tensor} in {produced:?}");
    }
    let categories = g.initializer.iter().find(|t| t.name == "sex/categories").expect("sex's categories");
    assert_eq!(categories.string_data, [b"(missing)".to_vec(), b"female".to_vec(), b"male".to_vec()]);
    let mean = g.initializer.iter().find(|t| t.name == "features/mean").expect("the standardisation");
    assert_eq!(mean.float_data, model.preprocessing.input.as_ref().unwrap().mean);
    let meta = metadata(&m);
    assert_eq!(meta["class_names"], r#"["Adelie","Chinstrap","Gentoo"]"#);
    assert_eq!(meta["target_names"], r#"["species"]"#);
}

/// A network without softmax: its outputs clipped and normalised to probabilities, as the CLI
/// does; a regression model's output is `values`.
#[test]
fn sigmoid_outputs_are_normalised_and_regression_gives_values() {
    let net = Network::<f32>::new(&[2, 3, 2], Activation::HardSigmoid, Activation::Sigmoid, Cost::Quadratic).unwrap();
    let mut model = Model::new(net.clone());
    model.class_names = Some(vec!["a".into(), "b".into()]);
    let g = ModelProto::parse_from_bytes(&onnx(&model).unwrap()).unwrap().graph.unwrap();
    let ops: Vec<&str> = g.node.iter().map(|n| n.op_type.as_str()).collect();
    assert_eq!(ops[..4], ["Gemm", "HardSigmoid", "Gemm", "Sigmoid"]);
    assert!(ops.contains(&"ReduceSum") && ops.contains(&"Where"), "{ops:?}");
    let alpha = g.node[1].attribute.iter().find(|a| a.name == "alpha").unwrap().f;
    assert_eq!(alpha, (1.0f64 / 6.0) as f32);
    let g = ModelProto::parse_from_bytes(&onnx(&Model::new(net)).unwrap()).unwrap().graph.unwrap();
    let outputs: Vec<&str> = g.output.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(outputs, ["values"]);
}

/// The state dict: keys `0.weight`, `0.bias`, `2.weight`, … (activations count as modules),
/// float32, weights [n_out, n_in] bit for bit; the Python lines build the matching Sequential.
#[test]
fn torch_export_has_sequential_keys_and_the_python_lines() {
    let mut net =
        Network::<f32>::new(&[3, 4, 2], Activation::LeakyRelu, Activation::Softmax, Cost::CrossEntropy).unwrap();
    net.params_mut().iter_mut().enumerate().for_each(|(i, p)| *p = i as f32 * 0.01 - 0.1);
    let export = torch_state_dict(&Model::new(net.clone()), "net.safetensors").unwrap();
    let st = SafeTensors::deserialize(&export.safetensors).unwrap();
    let mut keys = st.names();
    keys.sort();
    assert_eq!(keys, ["0.bias", "0.weight", "2.bias", "2.weight"]);
    let w2 = st.tensor("2.weight").unwrap();
    assert_eq!((w2.dtype(), w2.shape()), (Dtype::F32, &[2, 4][..]));
    let values: Vec<f32> = w2.data().chunks(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect();
    assert_eq!(values, net.weight(1));
    let py = &export.python;
    let body = "model = nn.Sequential(\n    nn.Linear(3, 4),\n    nn.LeakyReLU(negative_slope=0.01),\n    \
                nn.Linear(4, 2),\n    nn.Softmax(dim=1),\n)\n";
    assert!(py.contains(body), "{py}");
    assert!(py.contains("model.load_state_dict(load_file(\"net.safetensors\"), strict=True)"), "{py}");
}

/// Writes a safetensors file of float32 tensors `(name, shape, values)`, as PyTorch saves one.
fn save_torch(path: &Path, tensors: &[(&str, Vec<usize>, Vec<f32>)]) {
    let bytes: Vec<Vec<u8>> =
        tensors.iter().map(|(_, _, v)| v.iter().flat_map(|x| x.to_le_bytes()).collect()).collect();
    let views: Vec<(String, TensorView)> = tensors
        .iter()
        .zip(&bytes)
        .map(|((name, shape, _), b)| (name.to_string(), TensorView::new(Dtype::F32, shape.clone(), b).unwrap()))
        .collect();
    let meta = HashMap::from([("format".to_string(), "pt".to_string())]);
    std::fs::write(path, safetensors::serialize(views, Some(meta)).unwrap()).unwrap();
}

/// A trained model exported for PyTorch comes back with `--init-from` and 0 epochs (layer sizes
/// taken from the file) as the same weights, the same test figures and the same torch file.
#[test]
fn a_torch_state_dict_comes_back_with_init_from() {
    let dir = tempdir();
    let p = |n: &str| dir.path().join(n);
    let args = ["--dataset", "digits", "--layers", "64,16,10", "--activation", "tanh", "--epochs", "1"];
    let (trained, model) = train(dir.path(), "d.model", &args);
    let (code, stdout, stderr) = outcome(&["export", s(&trained), "--torch", s(&p("t.safetensors"))]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("nn.Tanh()") && stdout.contains("nn.Linear(64, 16)"), "{stdout}");
    assert_eq!(std::fs::read_to_string(p("t.py")).unwrap().lines().next(), stdout.lines().next());
    let torch_file = p("t.safetensors");
    let back = ["--dataset", "digits", "--activation", "tanh", "--epochs", "0", "--init-from", s(&torch_file)];
    let (_, imported) = train(dir.path(), "back.model", &back);
    assert_eq!(imported.network.params(), model.network.params());
    let eval = |m: &Path| {
        let json: serde_json::Value = serde_json::from_str(&outcome(&["eval", "--model", s(m), "--json"]).1).unwrap();
        (json["loss"].as_f64(), json["accuracy"].as_f64())
    };
    assert_eq!(eval(&trained), eval(&p("back.model")));
    let (code, _, stderr) = outcome(&["export", s(&p("back.model")), "--torch", s(&p("again.safetensors"))]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read(p("again.safetensors")).unwrap(), std::fs::read(p("t.safetensors")).unwrap());
}

/// Named tensors `(key, shape, values)` of a state dict.
type Tensors = Vec<(String, Vec<usize>, Vec<f32>)>;

/// The zero weight and bias of an `nn.Linear(n_in, n_out)` at module `i`.
fn linear(i: usize, n_in: usize, n_out: usize) -> Tensors {
    vec![
        (format!("{i}.weight"), vec![n_out, n_in], vec![0.0; n_in * n_out]),
        (format!("{i}.bias"), vec![n_out], vec![0.0; n_out]),
    ]
}

/// Files PyTorch could write that are not a Sequential of Linear layers are refused with one
/// line naming the module and what it holds.
#[test]
fn unsupported_torch_modules_are_refused_naming_them() {
    let dir = tempdir();
    let batch_norm = ("1.running_mean".to_string(), vec![4], vec![0.0; 4]);
    let conv = vec![("0.weight".into(), vec![4, 1, 8, 8], vec![0.0; 256]), ("0.bias".into(), vec![4], vec![0.0; 4])];
    let named = linear(0, 64, 10).into_iter().map(|(k, s, v)| (format!("fc.{k}"), s, v)).collect();
    let cases: [(&str, Tensors, &[&str]); 4] = [
        (
            "bn",
            [linear(0, 64, 4), vec![batch_norm], linear(2, 4, 10)].concat(),
            &["module 1 has running_mean [4]", "not a parameter of nn.Linear"],
        ),
        ("conv", conv, &["module 0", "weight [4, 1, 8, 8]", "not 2-D"]),
        ("named", named, &["key 'fc.0.bias'", "nn.Sequential"]),
        ("gap", [linear(0, 64, 4), linear(2, 5, 10)].concat(), &["module 2 (nn.Linear) takes 5 inputs"]),
    ];
    for (name, tensors, needles) in cases {
        let file = dir.path().join(format!("{name}.safetensors"));
        let refs: Vec<(&str, Vec<usize>, Vec<f32>)> =
            tensors.iter().map(|(k, s, v)| (k.as_str(), s.clone(), v.clone())).collect();
        save_torch(&file, &refs);
        let args = ["train", "--dataset", "digits", "--layers", "64,4,10", "--epochs", "0", "--init-from", s(&file)];
        assert_fails(&args, 2, needles);
    }
}

/// A file that is no model, an output in a directory that does not exist and no output format
/// at all give one line and exit code 2, and write nothing.
#[test]
fn bad_exports_give_one_line_and_exit_2() {
    let dir = tempdir();
    let p = |n: &str| dir.path().join(n);
    std::fs::write(p("text.txt"), "not a model").unwrap();
    assert_fails(&["export", s(&p("text.txt")), "--onnx", s(&p("x.onnx"))], 2, &["text.txt"]);
    assert!(!p("x.onnx").exists());
    let (model, _) = train(dir.path(), "d.model", &["--dataset", "digits", "--layers", "64,4,10", "--epochs", "1"]);
    let missing_dir = p("no/such/dir/x.onnx");
    assert_fails(&["export", s(&model), "--onnx", s(&missing_dir)], 2, &["no/such/dir/x.onnx"]);
    assert_fails(&["export", s(&model), "--torch", s(&p("no/x.safetensors"))], 2, &["--torch", "no/x.safetensors"]);
    // Neither file is written when one of them cannot be.
    let (onnx_out, torch_out) = (p("m.onnx"), p("no/x.safetensors"));
    let both = ["export", s(&model), "--onnx", s(&onnx_out), "--torch", s(&torch_out)];
    assert_fails(&both, 2, &["--torch", "does not exist"]);
    assert!(!p("m.onnx").exists());
    let (code, _, stderr) = outcome(&["export", s(&model)]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--onnx"), "{stderr}");
}
