/**
 * Exports a TF.js scorer (a chain of Dense layers over one float input, as ltr-mlp and ltr-wide
 * build) as an ONNX model: one Gemm per Dense layer (x·W + b) followed by its activation, with the
 * batch dimension left symbolic. Built from the layer weights with the ONNX protobuf schema
 * (onnx-proto); training stays in TF.js, only the trained weights travel.
 */
import onnxProto from 'onnx-proto';
import { WorkbenchError } from '../../errors.js';
import type { tf } from '../backend.js';

const { onnx } = onnxProto;

/** The ONNX file of a scorer version, beside model.json. */
export const ONNX_FILE = 'model.onnx';
/** The graph's input and output names. */
export const ONNX_INPUT = 'features';
export const ONNX_OUTPUT = 'score';
/** ONNX operator set the graph uses (Gemm, Relu, Sigmoid, Tanh: unchanged since 13). */
export const ONNX_OPSET = 13;

const ACTIVATIONS: Record<string, string | null> = { linear: null, relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh' };

interface DenseConfig {
  units: number;
  activation?: string;
  useBias?: boolean;
}

/**
 * Why a model cannot be exported, or undefined when it can: only a single float input followed by
 * Dense layers with linear, relu, sigmoid or tanh activations is supported (an item-embedding
 * model, for one, is not).
 */
export function onnxUnsupportedReason(model: tf.LayersModel): string | undefined {
  if (model.inputs.length !== 1) return `the model has ${model.inputs.length} inputs (item-embedding models are not exported)`;
  if (model.inputs[0].dtype !== 'float32') return `the model's input is ${model.inputs[0].dtype}, not float32`;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === 'InputLayer') continue;
    if (cls !== 'Dense') return `layer "${layer.name}" is a ${cls} (only Dense layers are exported)`;
    const activation = (layer.getConfig() as unknown as DenseConfig).activation ?? 'linear';
    if (!(activation in ACTIVATIONS))
      return `layer "${layer.name}" has activation "${activation}" (exported: ${Object.keys(ACTIVATIONS).join(', ')})`;
  }
  return undefined;
}

function floatTensor(name: string, dims: number[], values: Float32Array): onnxProto.onnx.ITensorProto {
  // float_data is a packed repeated float: encoded as the same 4 bytes per value TF.js holds.
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: Array.from(values) };
}

/**
 * The ONNX model of `model` (see onnxUnsupportedReason for what is supported).
 * @throws WorkbenchError `onnx_unsupported` naming the layer or input that cannot be exported.
 */
export function exportOnnx(model: tf.LayersModel): Uint8Array {
  const why = onnxUnsupportedReason(model);
  if (why) throw new WorkbenchError('onnx_unsupported', `cannot export ${model.name} to ONNX: ${why}`);
  const inputDim = model.inputs[0].shape[1];
  if (typeof inputDim !== 'number') throw new WorkbenchError('onnx_unsupported', 'the model input has no fixed feature dimension');
  const nodes: onnxProto.onnx.INodeProto[] = [];
  const initializers: onnxProto.onnx.ITensorProto[] = [];
  let current = ONNX_INPUT;
  let width = inputDim;
  const dense = model.layers.filter((l) => l.getClassName() === 'Dense');
  dense.forEach((layer, i) => {
    const config = layer.getConfig() as unknown as DenseConfig;
    const weights = layer.getWeights();
    const kernel = weights[0];
    const [rows, units] = kernel.shape as [number, number];
    if (rows !== width) throw new WorkbenchError('onnx_unsupported', `layer "${layer.name}" takes ${rows} values but gets ${width}`);
    const w = `${layer.name}/kernel`;
    initializers.push(floatTensor(w, [rows, units], kernel.dataSync() as Float32Array));
    const inputs = [current, w];
    if (config.useBias !== false && weights[1]) {
      const b = `${layer.name}/bias`;
      initializers.push(floatTensor(b, [units], weights[1].dataSync() as Float32Array));
      inputs.push(b);
    }
    const last = i === dense.length - 1;
    const act = ACTIVATIONS[config.activation ?? 'linear'];
    const gemmOut = last && !act ? ONNX_OUTPUT : `${layer.name}/gemm`;
    nodes.push({ opType: 'Gemm', name: `${layer.name}/Gemm`, input: inputs, output: [gemmOut] });
    current = gemmOut;
    if (act) {
      const actOut = last ? ONNX_OUTPUT : `${layer.name}/out`;
      nodes.push({ opType: act, name: `${layer.name}/${act}`, input: [gemmOut], output: [actOut] });
      current = actOut;
    }
    width = units;
  });
  const valueInfo = (name: string, cols: number): onnxProto.onnx.IValueInfoProto => ({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: 'n' }, { dimValue: cols }] },
      },
    },
  });
  const proto = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'ranking-workbench',
    producerVersion: '1',
    graph: {
      name: model.name,
      node: nodes,
      initializer: initializers,
      input: [valueInfo(ONNX_INPUT, inputDim)],
      output: [valueInfo(ONNX_OUTPUT, width)],
    },
  });
  return onnx.ModelProto.encode(proto).finish();
}
