// What the playground uses of CodeMirror 6, re-exported from one module (server/static/codemirror.js).
export { EditorState, StateEffect, StateField } from "@codemirror/state";
export { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection, Decoration } from "@codemirror/view";
export { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
export { StreamLanguage, syntaxHighlighting, bracketMatching } from "@codemirror/language";
export { classHighlighter, tags } from "@lezer/highlight";
export { setDiagnostics, lintGutter } from "@codemirror/lint";
export { searchKeymap, highlightSelectionMatches } from "@codemirror/search";
