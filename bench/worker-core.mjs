// What the Azure Functions Node worker provides to the app as `@azure/functions-core` (the worker
// answers that require itself), reduced to what a cold start uses: the programming model the
// library sets, the functions it registers, hooks, the worker log. Loaded
// before the app's entry by bench/cold-start.ts (`node --import`; the bundle's require goes through
// Module._load), so `@azure/functions` registers every function as in Azure instead of switching
// to its test mode. Records what was registered on globalThis.
import Module from 'node:module';

class Disposable {
  constructor(dispose) {
    this.dispose = dispose;
  }
}

const worker = { registered: [], hooks: [], programmingModel: undefined };
const core = {
  Disposable,
  setProgrammingModel(model) {
    worker.programmingModel = model;
  },
  getProgrammingModel() {
    return worker.programmingModel;
  },
  registerFunction(metadata, callback) {
    if (typeof callback !== 'function') throw new Error(`function ${metadata.name} has no handler`);
    worker.registered.push(metadata);
    return new Disposable(() => undefined);
  },
  registerHook(name, callback) {
    worker.hooks.push({ name, callback });
    return new Disposable(() => undefined);
  },
  log() {},
};

const load = Module._load;
Module._load = function (request, ...rest) {
  return request === '@azure/functions-core' ? core : load.call(this, request, ...rest);
};
globalThis.__functionsWorker = worker;
