type Files = Record<string, string>;
export declare const checkImports: (files: Files) => string[];
export declare const importGraph: (files: Files) => Map<string, string[]>;
export declare const circles: (graph: Map<string, string[]>) => string[][];
export declare const layerViolations: (graph: Map<string, string[]>) => string[];
export declare const readTree: () => Files;
