// The vscode-elements components of the compare view, beyond those the editors register.
import '../editorComponents';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
