// The domain error type is shared by every module's pure core.
export * from "../../../lib/domain-error";
