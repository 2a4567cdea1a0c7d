/**
 * Small action repositories the action suites write and serve: a JavaScript action that reads
 * an input and sets an output, one with pre/main/post and GITHUB_STATE, composites that call a
 * composite and a JavaScript action, a docker action, and a local composite for the workspace.
 * Plain Node, no node_modules: what @actions/core does, written out (GITHUB_OUTPUT, `::notice::`).
 */
import type { FileTree } from "../../helpers/git-repo.ts";

export const HELLO: FileTree = {
  "action.yml": `name: Hello
description: says hello
inputs:
  who:
    description: whom to greet
    required: true
  style:
    description: a default with an expression
    default: "from \${{ github.repository }}"
  token:
    description: GitHub's usual default
    default: \${{ github.token }}
outputs:
  greeting:
    description: the greeting
runs:
  using: node20
  main: dist/index.js
`,
  "dist/index.js": `const fs = require("node:fs");
const who = process.env.INPUT_WHO ?? "";
fs.appendFileSync(process.env.GITHUB_OUTPUT, \`greeting=hello \${who}\\n\`);
console.log(\`::notice::greeted \${who}\`);
console.log(\`style=\${process.env.INPUT_STYLE} token=[\${process.env.INPUT_TOKEN}] main=\${require.main === module}\`);
console.log(\`action repository=\${process.env.GITHUB_ACTION_REPOSITORY} ref=\${process.env.GITHUB_ACTION_REF} path-has-action=\${fs.existsSync(process.env.GITHUB_ACTION_PATH + "/action.yml")} cwd-is-workspace=\${process.cwd() === process.env.GITHUB_WORKSPACE}\`);
`,
};

const lifecycleScript = (phase: string, write: string): string => `const fs = require("node:fs");
console.log("${phase}: STATE_phase=" + (process.env.STATE_phase ?? "") + " STATE_main=" + (process.env.STATE_main ?? ""));
${write ? `fs.appendFileSync(process.env.GITHUB_STATE, "${write}\\n");` : ""}
`;

export const LIFECYCLE: FileTree = {
  "action.yml": `name: Lifecycle
runs:
  using: node24
  pre: pre.js
  main: main.js
  post: post.js
`,
  "pre.js": lifecycleScript("pre", "phase=from-pre"),
  "main.js": lifecycleScript("main", "main=done"),
  "post.js": lifecycleScript("post", ""),
  "on-success/action.yml": `name: Only on success
runs:
  using: node20
  main: main.js
  post: post.js
  post-if: success()
`,
  "on-success/main.js": `console.log("on-success main");\n`,
  "on-success/post.js": `console.log("on-success post ran");\n`,
  "skip-pre/action.yml": `name: Pre skipped
runs:
  using: node20
  pre: pre.js
  pre-if: "false"
  main: main.js
`,
  "skip-pre/pre.js": `console.log("skip-pre pre ran");\n`,
  "skip-pre/main.js": `console.log("skip-pre main ran");\n`,
  "gated/action.yml": `name: Pre gated by the job's env
inputs:
  word:
    description: read by pre
runs:
  using: node20
  pre: pre.js
  pre-if: env.WANT_PRE == 'yes'
  main: main.js
`,
  "gated/pre.js": `console.log("gated pre ran word=" + process.env.INPUT_WORD);\n`,
  "gated/main.js": `console.log("gated main ran");\n`,
  "slow-post/action.yml": `name: A post that takes a while
runs:
  using: node20
  main: main.js
  post: post.js
`,
  "slow-post/main.js": `console.log("slow main ran");\n`,
  "slow-post/post.js": `console.log("slow post started");\nsetTimeout(() => console.log("slow post finished"), 1500);\n`,
};

/** `outer` calls the composite `inner` and the JavaScript action `hello`; both remote. */
export function composites(owner: string): FileTree {
  return {
    "outer/action.yml": `name: Outer
inputs:
  word:
    description: a word
    default: plain
outputs:
  greeting:
    description: from the JavaScript action
    value: \${{ steps.hi.outputs.greeting }}
  shout:
    description: from the inner composite
    value: \${{ steps.in.outputs.shout }}
runs:
  using: composite
  steps:
    - name: Say where
      run: echo "outer at \${{ github.action_path }} word=\${{ inputs.word }}"
      shell: bash
    - id: in
      uses: ${owner}/composites/inner@v1
      with:
        word: \${{ inputs.word }}
    - id: hi
      uses: ${owner}/hello@v1
      with:
        who: \${{ steps.in.outputs.shout }}
    - name: Never
      if: failure()
      run: echo "outer failure branch ran"
      shell: bash
`,
    "inner/action.yml": `name: Inner
inputs:
  word:
    description: a word
    required: true
outputs:
  shout:
    description: the word, louder
    value: \${{ steps.s.outputs.shout }}
runs:
  using: composite
  steps:
    - id: s
      run: echo "shout=\${{ inputs.word }}!" >> "$GITHUB_OUTPUT"
      shell: bash
    - run: echo "inner sees steps.s=\${{ steps.s.outputs.shout }}"
      shell: sh
    - run: sh "$GITHUB_ACTION_PATH/tool.sh"
      shell: bash
`,
    "inner/tool.sh": 'echo "tool from $GITHUB_ACTION_REPOSITORY@$GITHUB_ACTION_REF"\n',
  };
}

export const DOCKER: FileTree = {
  "action.yml": "name: Dockerish\nruns:\n  using: docker\n  image: Dockerfile\n",
  Dockerfile: "FROM alpine:3\n",
};

/** For the workspace: `uses: ./.github/actions/local`. */
export const LOCAL: FileTree = {
  ".github/actions/local/action.yml": `name: Local
inputs:
  name:
    description: a name
outputs:
  said:
    description: what it said
    value: \${{ steps.say.outputs.said }}
runs:
  using: composite
  steps:
    - id: say
      run: |
        echo "local says \${{ inputs.name }}"
        echo "said=local \${{ inputs.name }}" >> "$GITHUB_OUTPUT"
      shell: bash
`,
  ".github/actions/local-pre/action.yml": `name: Local with pre
runs:
  using: node20
  pre: pre.js
  main: main.js
`,
  ".github/actions/local-pre/pre.js": `console.log("local pre ran");\n`,
  ".github/actions/local-pre/main.js": `console.log("local main ran");\n`,
};
