export declare const buildCli: () => Promise<void>;
export declare const buildComponents: () => Promise<{ component: string; file: string; bytes: number }[]>;
export declare const COMPONENTS: { name: string; out: string; entries: { name: string; file: string }[] }[];
