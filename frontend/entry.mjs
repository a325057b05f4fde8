// What the query page's editor (src/issgraph/static/editor.js) takes from CodeMirror 6: bundled by
// build.mjs into one file, static/vendor/codemirror.js, exposed as window.IssgraphCodeMirror.
export { EditorView, keymap, lineNumbers, drawSelection, highlightActiveLine, highlightSpecialChars,
         Decoration, ViewPlugin, GutterMarker, gutterLineClass } from "@codemirror/view";
export { EditorState, Prec, RangeSetBuilder, RangeSet, StateField, StateEffect } from "@codemirror/state";
export { autocompletion, completionKeymap, startCompletion } from "@codemirror/autocomplete";
export { StreamLanguage, syntaxHighlighting, defaultHighlightStyle, bracketMatching, indentOnInput } from "@codemirror/language";
export { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
export { sparql } from "@codemirror/legacy-modes/mode/sparql";
