//! The network and its outputs as ONNX nodes: one `Gemm` per layer (z = a Wᵀ + b, W stored
//! n_out × n_in as in the model file, `transB = 1`) followed by its activation, then what
//! `neuralnet predict` reports — class probabilities and the label, or the values.

use super::graph::{Attr, Dim, Graph};
use crate::activation::{Activation, LEAKY_SLOPE};
use crate::network::Network;
use onnx_protobuf::tensor_proto::DataType;

/// Adds the layers of `net` reading the tensor `x` (N × n_inputs, after preprocessing) and
/// returns the name of the output aᴸ (N × n_outputs).
pub(crate) fn network(g: &mut Graph, net: &Network<f32>, x: &str) -> String {
    let mut a = x.to_string();
    for (l, &act) in net.activations().iter().enumerate() {
        let (n_in, n_out) = (net.sizes()[l], net.sizes()[l + 1]);
        let w = g.floats(&format!("layer{l}.weight"), &[n_out, n_in], net.weight(l));
        let b = g.floats(&format!("layer{l}.bias"), &[n_out], net.bias(l));
        let z = g.node("Gemm", &[&a, &w, &b], &format!("layer{l}.z"), &[("transB", Attr::Int(1))]);
        a = activation(g, act, &z, &format!("layer{l}.a"));
    }
    a
}

/// a = σ(z) as one node, with the crate's exact constants: leaky ReLU's slope 0.01, hard
/// sigmoid max(0, min(1, z/6 + 1/2)) (ONNX `HardSigmoid` with α = 1/6, β = 1/2), softmax over
/// each row.
fn activation(g: &mut Graph, act: Activation, z: &str, a: &str) -> String {
    match act {
        Activation::Sigmoid => g.node("Sigmoid", &[z], a, &[]),
        Activation::Relu => g.node("Relu", &[z], a, &[]),
        Activation::LeakyRelu => g.node("LeakyRelu", &[z], a, &[("alpha", Attr::Float(LEAKY_SLOPE as f32))]),
        Activation::HardSigmoid => {
            g.node("HardSigmoid", &[z], a, &[("alpha", Attr::Float((1.0f64 / 6.0) as f32)), ("beta", Attr::Float(0.5))])
        }
        Activation::Tanh => g.node("Tanh", &[z], a, &[]),
        Activation::Identity => g.node("Identity", &[z], a, &[]),
        Activation::Softmax => g.node("Softmax", &[z], a, &[("axis", Attr::Int(1))]),
    }
}

/// The classification outputs `probabilities` (N × k) and `label` (N strings) from the network's
/// output `a`, as [`crate::model::class_probabilities`] and the CLI compute them: softmax
/// outputs as they are; others clipped at 0 and divided by their row sum (uniform 1/k where that
/// sum is 0); the label is the class name of the first largest probability.
pub(crate) fn classes(g: &mut Graph, a: &str, output: Activation, names: &[String]) {
    let k = names.len();
    let probabilities = if output == Activation::Softmax {
        g.node("Identity", &[a], "probabilities", &[])
    } else {
        let clipped = g.node("Relu", &[a], "outputs/clipped", &[]);
        let axis = g.ints("axis_1", &[1], &[1]);
        let sum = g.node("ReduceSum", &[&clipped, &axis], "outputs/row_sum", &[("keepdims", Attr::Int(1))]);
        let zero = g.floats("zero", &[], &[0.0]);
        let positive = g.node("Greater", &[&sum, &zero], "outputs/row_sum_positive", &[]);
        let normalised = g.node("Div", &[&clipped, &sum], "outputs/normalised", &[]);
        let uniform = g.floats("outputs/uniform", &[1, k], &vec![1.0 / k as f32; k]);
        g.node("Where", &[&positive, &normalised, &uniform], "probabilities", &[])
    };
    let class = g.node(
        "ArgMax",
        &[&probabilities],
        "class_index",
        &[("axis", Attr::Int(1)), ("keepdims", Attr::Int(0)), ("select_last_index", Attr::Int(0))],
    );
    let table = g.strings("class_names", &[k], names);
    g.node("Gather", &[&table, &class], "label", &[("axis", Attr::Int(0))]);
    g.output(
        "probabilities",
        DataType::FLOAT,
        &[Dim::Batch, Dim::Fixed(k)],
        "class probabilities, one column per class",
    );
    g.output("label", DataType::STRING, &[Dim::Batch], "the predicted class name");
}

/// The regression output `values` (N × k, in the targets' units: the target scaling is folded
/// into the last layer).
pub(crate) fn values(g: &mut Graph, a: &str, k: usize) {
    g.node("Identity", &[a], "values", &[]);
    g.output("values", DataType::FLOAT, &[Dim::Batch, Dim::Fixed(k)], "predicted values, in the targets' units");
}
