//! A small builder of ONNX graphs over the `onnx-protobuf` messages: graph inputs and outputs
//! with their element type and shape (the batch dimension symbolic, `N`), constants stored as
//! initializers, and nodes whose output names are chosen by the caller so that the graph reads
//! as what it computes (`layer0.z`, `layer0.a`, `island/one_hot`, ...).

use onnx_protobuf::attribute_proto::AttributeType;
use onnx_protobuf::tensor_proto::DataType;
use onnx_protobuf::tensor_shape_proto::{Dimension, dimension};
use onnx_protobuf::type_proto::{self, Tensor};
use onnx_protobuf::{AttributeProto, GraphProto, NodeProto, TensorProto, TensorShapeProto, TypeProto, ValueInfoProto};

/// The symbolic batch dimension of every graph input and output.
pub(crate) const BATCH: &str = "N";

/// One dimension of a graph input or output: the batch (rows), or a fixed size.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Dim {
    /// The number of rows, `N`.
    Batch,
    /// A fixed size.
    Fixed(usize),
}

/// A node attribute's value.
#[derive(Debug, Clone)]
pub(crate) enum Attr {
    /// An integer.
    Int(i64),
    /// A float.
    Float(f32),
}

/// A graph under construction.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    /// The graph as built so far.
    pub(crate) proto: GraphProto,
}

impl Graph {
    /// An empty graph named `name`, described by `doc`.
    pub(crate) fn new(name: &str, doc: &str) -> Graph {
        let mut proto = GraphProto::new();
        proto.name = name.to_string();
        proto.doc_string = doc.to_string();
        Graph { proto }
    }

    /// Declares a graph input `name` of element type `elem` and shape `dims`.
    pub(crate) fn input(&mut self, name: &str, elem: DataType, dims: &[Dim], doc: &str) -> String {
        self.proto.input.push(value_info(name, elem, dims, doc));
        name.to_string()
    }

    /// Declares the tensor `name` a graph output of element type `elem` and shape `dims`.
    pub(crate) fn output(&mut self, name: &str, elem: DataType, dims: &[Dim], doc: &str) {
        self.proto.output.push(value_info(name, elem, dims, doc));
    }

    /// A float constant `name` of shape `dims` holding `values` (row-major).
    pub(crate) fn floats(&mut self, name: &str, dims: &[usize], values: &[f32]) -> String {
        let mut t = tensor(name, DataType::FLOAT, dims);
        t.float_data = values.to_vec();
        self.constant(t)
    }

    /// An int64 constant `name` of shape `dims`.
    pub(crate) fn ints(&mut self, name: &str, dims: &[usize], values: &[i64]) -> String {
        let mut t = tensor(name, DataType::INT64, dims);
        t.int64_data = values.to_vec();
        self.constant(t)
    }

    /// A string constant `name` of shape `dims` (UTF-8).
    pub(crate) fn strings(&mut self, name: &str, dims: &[usize], values: &[String]) -> String {
        let mut t = tensor(name, DataType::STRING, dims);
        t.string_data = values.iter().map(|s| s.as_bytes().to_vec()).collect();
        self.constant(t)
    }

    /// Adds the constant `t` as an initializer (once per name) and returns its name.
    fn constant(&mut self, t: TensorProto) -> String {
        let name = t.name.clone();
        if !self.proto.initializer.iter().any(|i| i.name == name) {
            self.proto.initializer.push(t);
        }
        name
    }

    /// Adds a node of operator `op` (default domain) reading `inputs` and writing the tensor
    /// `output`, with attributes `attrs`; returns `output`.
    pub(crate) fn node(&mut self, op: &str, inputs: &[&str], output: &str, attrs: &[(&str, Attr)]) -> String {
        let mut n = NodeProto::new();
        n.op_type = op.to_string();
        n.name = format!("{output}/{op}");
        n.input = inputs.iter().map(|s| s.to_string()).collect();
        n.output = vec![output.to_string()];
        n.attribute = attrs.iter().map(|(name, value)| attribute(name, value)).collect();
        self.proto.node.push(n);
        output.to_string()
    }
}

/// A tensor's header: name, element type, dimensions.
fn tensor(name: &str, elem: DataType, dims: &[usize]) -> TensorProto {
    let mut t = TensorProto::new();
    t.name = name.to_string();
    t.data_type = elem as i32;
    t.dims = dims.iter().map(|&d| d as i64).collect();
    t
}

/// The type and shape of a graph input or output.
fn value_info(name: &str, elem: DataType, dims: &[Dim], doc: &str) -> ValueInfoProto {
    let mut shape = TensorShapeProto::new();
    shape.dim = dims
        .iter()
        .map(|d| {
            let mut dim = Dimension::new();
            dim.value = Some(match d {
                Dim::Batch => dimension::Value::DimParam(BATCH.into()),
                Dim::Fixed(n) => dimension::Value::DimValue(*n as i64),
            });
            dim
        })
        .collect();
    let mut tensor_type = Tensor::new();
    tensor_type.elem_type = elem as i32;
    tensor_type.shape = Some(shape).into();
    let mut ty = TypeProto::new();
    ty.value = Some(type_proto::Value::TensorType(tensor_type));
    let mut v = ValueInfoProto::new();
    v.name = name.to_string();
    v.type_ = Some(ty).into();
    v.doc_string = doc.to_string();
    v
}

/// A node attribute.
fn attribute(name: &str, value: &Attr) -> AttributeProto {
    let mut a = AttributeProto::new();
    a.name = name.to_string();
    let kind = match value {
        Attr::Int(i) => {
            a.i = *i;
            AttributeType::INT
        }
        Attr::Float(f) => {
            a.f = *f;
            AttributeType::FLOAT
        }
    };
    a.type_ = kind.into();
    a
}
