export * from "./artifact-entries";
export * from "./artifacts";
export * from "./deleted-objects";
export * from "./internal-ids";
export * from "./jobs";
export * from "./pipelines";
export * from "./projects";
export * from "./users";
