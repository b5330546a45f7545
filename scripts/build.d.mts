export declare const buildCli: () => Promise<void>;
/** esbuild's options for the CLI; `applied` collects the REWRITES its build used. */
export declare const cliBuildOptions: (applied: Set<DependencyRewrite>) => import('esbuild').BuildOptions;
export declare const buildComponents: () => Promise<{ component: string; file: string; bytes: number }[]>;
export declare const COMPONENTS: { name: string; out: string; entries: { name: string; file: string }[] }[];
/** A load-time line of a dependency rewritten in the function bundles (see REWRITES in build.mjs). */
export interface DependencyRewrite {
  file: RegExp;
  what: string;
  find: string;
  replace: string;
  only?: [RegExp, string[]];
}
export declare const REWRITES: DependencyRewrite[];
export declare const rewriteSource: (contents: string, rules: DependencyRewrite[], where: string) => string;
