import { Component, type ErrorInfo, type ReactNode } from "react";

/** A view that throws shows what failed instead of a blank page; the rest of the shell works. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error("view failed", error, info.componentStack);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    const chunk = /dynamically imported module|Failed to fetch/i.test(this.state.error.message);
    return (
      <div className="error-list" role="alert">
        <strong>{chunk ? "This view could not be loaded (the dashboard was updated?)." : "This view failed."}</strong>
        <p>{this.state.error.message}</p>
        <button type="button" onClick={() => (chunk ? location.reload() : this.setState({ error: null }))}>
          {chunk ? "Reload" : "Try again"}
        </button>
      </div>
    );
  }
}
