export * from "./names.ts";
export * from "./labels.ts";
export * from "./messages.ts";
export * from "./streams.ts";
