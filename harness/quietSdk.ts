// The AWS SDK warns on Node 20 that releases after January 2027 will need Node 22; package-lock.json pins the
// versions this project runs, so the warning says nothing about them and only buries test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
