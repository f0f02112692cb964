// `@serialport/bindings-interface` and `@serialport/binding-mock` declare `exports` without a
// "types" condition, so under `moduleResolution: bundler` TypeScript finds no declarations;
// resolving them in CommonJS mode reaches their `dist/index.d.ts`.
export type BindingInterface<P extends BindingPortInterface = BindingPortInterface> =
  import("@serialport/bindings-interface", { with: { "resolution-mode": "require" }}).BindingInterface<P>;
export type BindingPortInterface = import("@serialport/bindings-interface", { with: {
  "resolution-mode": "require",
}}).BindingPortInterface;
export type BindingOpenOptions = import("@serialport/bindings-interface", { with: {
  "resolution-mode": "require",
}}).OpenOptions;
export type MockBindingInterface = import("@serialport/binding-mock", { with: {
  "resolution-mode": "require",
}}).MockBindingInterface;
export type MockPortBinding = import("@serialport/binding-mock", { with: {
  "resolution-mode": "require",
}}).MockPortBinding;
