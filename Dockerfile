# syntax=docker/dockerfile:1
# Build: compile TypeScript with every dependency.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Run: production dependencies only, as a non-root user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
# Optional conversion tools (README, "Formats"): Ghostscript rasterises PDF for printers that take only
# PWG raster or URF; LibreOffice headless turns Office and OpenDocument files into PDF. Without either,
# the connector still runs and answers 415 naming what it can print. OCRmyPDF with Tesseract's Dutch,
# Swedish and English data (and osd, to turn pages upright) makes scans searchable; without it the
# "Searchable PDF" switch is not shown and the API answers 400 ocr_unavailable.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ghostscript fonts-dejavu-core \
    libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui \
    ocrmypdf tesseract-ocr-nld tesseract-ocr-swe tesseract-ocr-eng tesseract-ocr-osd \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# googleapis ships the clients of every Google API (240 MB); the connector loads only Drive's (a test
# checks that the build imports nothing else from it), so the others are left out of the image.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force \
 && find node_modules/googleapis/build/src/apis -mindepth 1 -maxdepth 1 ! -name drive -exec rm -rf {} +
COPY --from=build /app/dist ./dist
COPY views ./views
RUN groupadd --system connector && useradd --system --gid connector --home /nonexistent connector \
 && mkdir -p /var/lib/drive-connector/tmp /var/lib/drive-connector/audit \
 && chown -R connector:connector /var/lib/drive-connector && chmod 0700 /var/lib/drive-connector/tmp
USER connector
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# --initial-old-space-size: see docs/performance.md (a connector that idled would otherwise run a full
# garbage collection every few megabytes of its next large print). Keep it equal to npm start's.
CMD ["node", "--initial-old-space-size=128", "dist/src/server.js"]
