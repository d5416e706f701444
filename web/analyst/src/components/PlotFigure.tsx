import * as Plot from '@observablehq/plot';
import { useEffect, useRef } from 'react';

/** Renders an Observable Plot chart; it is drawn again whenever `options` is a new object. */
export function PlotFigure({ options, testId, label }: { options: Plot.PlotOptions; testId: string; label: string }) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const figure = Plot.plot(options);
    figure.setAttribute('aria-label', label);
    container.current?.replaceChildren(figure);
    return () => figure.remove();
  }, [options, label]);
  return <div ref={container} className="plot" data-testid={testId} />;
}
